package org.postern.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.net.InetSocketAddress;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.postern.api.store.DataDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server TLS contexts: from a configured PKCS#12 keystore, or else from a self-signed
 * certificate generated once at first start and kept in {@code ${postern.data}/tls/} so that
 * it stays the same across restarts. One policy for every listener (see {@link #filter(Supplier)}).
 */
public final class Tls {
    private static final Logger LOG = LoggerFactory.getLogger(Tls.class);
    /** File name of the generated keystore under the TLS directory. */
    public static final String SELF_SIGNED_FILE = "self-signed.p12";
    /**
     * The generated keystore's password. Not a secret: the file is readable by its owner only
     * (0600), and PKCS#12 insists on some password.
     */
    static final char[] SELF_SIGNED_PASSWORD = "postern-self-signed".toCharArray();
    private static final String ALIAS = "postern";
    private static final Duration VALIDITY = Duration.ofDays(3650);

    private Tls() {
    }

    /**
     * The context for a protocol bundle: {@code keystore} (PKCS#12) when given, else the
     * self-signed certificate under {@code ${postern.data}/tls}, generated for {@code hostname}
     * when absent.
     */
    public static SSLContext serverContext(String keystore, char[] password, String hostname)
            throws IOException, GeneralSecurityException {
        if (keystore != null && !keystore.isBlank()) {
            return fromKeystore(Path.of(keystore.trim()), password);
        }
        return selfSigned(DataDirectory.resolve().resolve("tls"), hostname);
    }

    /** A context from a PKCS#12 file holding one private key and its certificate chain. */
    public static SSLContext fromKeystore(Path p12, char[] password) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, password);
        }
        return context(ks, password);
    }

    /**
     * The self-signed context kept in {@code dir}; generates and stores it (atomically, owner
     * read/write only) when absent. Safe to call from several bundles at once.
     */
    public static synchronized SSLContext selfSigned(Path dir, String hostname)
            throws IOException, GeneralSecurityException {
        Path file = dir.resolve(SELF_SIGNED_FILE);
        if (!Files.exists(file)) {
            Files.createDirectories(dir);
            KeyStore generated = generate(hostname);
            Path tmp = Files.createTempFile(dir, "self-signed", ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    generated.store(out, SELF_SIGNED_PASSWORD);
                }
                restrict(tmp);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                LOG.info("Postern TLS: generated a self-signed certificate for {} in {}", hostname, file);
            } catch (FileAlreadyExistsException raced) {
                // another process won: use its certificate
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return fromKeystore(file, SELF_SIGNED_PASSWORD);
    }

    /** A server-mode STARTTLS/implicit TLS filter with Postern's policy ({@link #filter(Supplier)}). */
    public static SslFilter filter(SSLContext context) {
        return filter(() -> context);
    }

    /**
     * A server-mode STARTTLS/implicit TLS filter. Each new session gets an engine from the
     * context {@code current} supplies at that moment, so a certificate can be replaced without
     * rebinding while live sessions keep theirs. Policy, for every listener: TLS 1.2 and 1.3
     * only; AEAD suites with forward secrecy only (AES-GCM, ChaCha20-Poly1305); the server's
     * order of preference; no client certificates.
     */
    public static SslFilter filter(Supplier<SSLContext> current) {
        return new PolicyFilter(current);
    }

    /**
     * Applies the policy of {@link #filter(Supplier)} to a server engine made elsewhere (the
     * HTTPS connector's Jetty engine), so that every listener offers the same protocols and suites.
     */
    public static void applyServerPolicy(SSLEngine engine) {
        applyPolicy(engine, true);
    }

    private static void applyPolicy(SSLEngine engine, boolean server) {
        engine.setUseClientMode(!server);
        SSLParameters params = engine.getSSLParameters();
        params.setProtocols(protocols(engine));
        params.setCipherSuites(cipherSuites(engine));
        params.setUseCipherSuitesOrder(true);
        if (server) {
            params.setNeedClientAuth(false);
            params.setWantClientAuth(false);
        }
        engine.setSSLParameters(params);
    }

    /** The protocols of {@link #filter}, in the engine's terms. */
    static String[] protocols(SSLEngine engine) {
        List<String> supported = Arrays.asList(engine.getSupportedProtocols());
        List<String> enabled = new ArrayList<>();
        for (String p : new String[] {"TLSv1.3", "TLSv1.2"}) {
            if (supported.contains(p)) {
                enabled.add(p);
            }
        }
        return enabled.toArray(new String[0]);
    }

    /** The suites of {@link #filter}: the JDK's preference order, AEAD with forward secrecy only. */
    static String[] cipherSuites(SSLEngine engine) {
        List<String> out = new ArrayList<>();
        for (String suite : engine.getEnabledCipherSuites()) {
            if (isAeadWithForwardSecrecy(suite)) {
                out.add(suite);
            }
        }
        return out.toArray(new String[0]);
    }

    static boolean isAeadWithForwardSecrecy(String suite) {
        if (suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_")) {
            return true; // TLS 1.3: always AEAD, always ephemeral key exchange
        }
        boolean ephemeral = suite.startsWith("TLS_ECDHE_") || suite.startsWith("TLS_DHE_");
        boolean aead = suite.contains("_GCM_") || suite.contains("_CHACHA20_POLY1305");
        return ephemeral && aead && !suite.contains("_anon_") && !suite.contains("_NULL_");
    }

    private static final class PolicyFilter extends SslFilter {
        private final Supplier<SSLContext> current;

        PolicyFilter(Supplier<SSLContext> current) {
            super(current.get());
            this.current = current;
        }

        @Override
        protected SSLEngine createEngine(IoSession session, InetSocketAddress peer) {
            SSLContext context = current.get();
            SSLEngine engine = peer == null ? context.createSSLEngine()
                    : context.createSSLEngine(peer.getHostString(), peer.getPort());
            applyPolicy(engine, session.isServer());
            return engine;
        }
    }

    /**
     * A context that follows its keystore file: {@link #reloadIfChanged()} reads the file again
     * when its modification time or size changed (a renewed certificate), keeping the old
     * context when the new file cannot be read. Sessions already in TLS keep their engines.
     */
    public static final class Reloadable implements Supplier<SSLContext> {
        private final Path keystore;
        private final char[] password;
        private volatile SSLContext context;
        private volatile String stamp;

        private Reloadable(Path keystore, char[] password, SSLContext context, String stamp) {
            this.keystore = keystore;
            this.password = password;
            this.context = context;
            this.stamp = stamp;
        }

        /** Loads the PKCS#12 keystore now. */
        public static Reloadable of(Path keystore, char[] password) throws IOException, GeneralSecurityException {
            String stamp = stamp(keystore);
            return new Reloadable(keystore, password.clone(), fromKeystore(keystore, password), stamp);
        }

        @Override
        public SSLContext get() {
            return context;
        }

        /** @return true when a changed keystore was loaded and is used for new sessions */
        public boolean reloadIfChanged() {
            try {
                String now = stamp(keystore);
                if (now.equals(stamp)) {
                    return false;
                }
                context = fromKeystore(keystore, password);
                stamp = now;
                LOG.info("Postern TLS: loaded the changed keystore {}", keystore);
                return true;
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                LOG.warn("Postern TLS: keystore {} changed but cannot be loaded, keeping the previous one: {}",
                        keystore, e.toString());
                return false;
            }
        }

        private static String stamp(Path file) throws IOException {
            return Files.getLastModifiedTime(file).toMillis() + "/" + Files.size(file);
        }
    }

    private static SSLContext context(KeyStore ks, char[] password) throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, new SecureRandom());
        return ctx;
    }

    static KeyStore generate(String hostname) throws IOException, GeneralSecurityException {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");
        kpg.initialize(2048);
        KeyPair kp = kpg.generateKeyPair();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, hostname).build();
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(VALIDITY)), name, kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        b.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, hostname)));
        X509Certificate cert;
        try {
            cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign the self-signed certificate: " + e.getMessage(), e);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry(ALIAS, kp.getPrivate(), SELF_SIGNED_PASSWORD, new Certificate[] {cert});
        return ks;
    }

    private static void restrict(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException e) {
            LOG.warn("Postern TLS: cannot restrict permissions of {}: {}", file, e.getMessage());
        }
    }
}
