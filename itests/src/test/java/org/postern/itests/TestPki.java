package org.postern.itests;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test certificate authority made in memory (EC P-256), for the outbound TLS tests: leaf
 * certificates for DNS names that a Postern trusting {@link #writeCaPem(Path) the CA's PEM} accepts
 * (MTA-STS), a self-signed one that nobody's PKIX validation accepts, and the digests DANE TLSA
 * records publish. Certificates are valid from an hour ago (clock skew) for a week, and name their
 * hosts in subjectAltName dNSName entries, the only place HTTPS and MTA-STS host checks look.
 *
 * <p>Only the JDK's providers sign and convert, so that nothing here changes the test JVM's
 * provider list.
 */
final class TestPki {
    private static final Duration VALIDITY = Duration.ofDays(7);
    private static final Duration SKEW = Duration.ofHours(1);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NO_TLS13_TICKETS = (int) Duration.ofDays(8).toSeconds();

    private final KeyPair caKeys;
    private final X509Certificate ca;

    /** A key and its chain, the leaf first; the issuing CA comes second so DANE-TA(2) finds it. */
    record Leaf(PrivateKey key, List<X509Certificate> chain) {
        Leaf {
            chain = List.copyOf(chain);
        }

        X509Certificate certificate() {
            return chain.get(0);
        }

        /** A server context presenting this certificate whatever name the client asks for. */
        SSLContext serverContext() throws GeneralSecurityException {
            return TestPki.serverContext(this, Map.of());
        }

        /** Data for TLSA {@code 3 1 1} (DANE-EE, SPKI, SHA-256). */
        byte[] spkiSha256() {
            return sha256(certificate().getPublicKey().getEncoded());
        }

        /** Data for TLSA {@code 3 0 1} (DANE-EE, full certificate, SHA-256). */
        byte[] certSha256() throws GeneralSecurityException {
            return sha256(certificate().getEncoded());
        }

        /** The chain as PEM, leaf first. */
        String certificatePem() throws GeneralSecurityException {
            return pem(chain.toArray(X509Certificate[]::new));
        }

        /** The private key as unencrypted PKCS#8 PEM. */
        String keyPem() {
            return pem("PRIVATE KEY", key.getEncoded());
        }

        /** A PKCS#12 key store holding the key and chain under the alias "server". */
        KeyStore keyStore(char[] password) throws GeneralSecurityException, IOException {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", key, password, chain.toArray(X509Certificate[]::new));
            return ks;
        }
    }

    TestPki() throws GeneralSecurityException {
        this("Postern Test CA");
    }

    /** A new CA; two instances never trust each other's leaves. */
    TestPki(String caName) throws GeneralSecurityException {
        caKeys = keyPair();
        X500Name subject = new X500Name("CN=" + caName);
        ca = sign(subject, caKeys.getPublic(), subject, caKeys, true, List.of(), Instant.now().minus(SKEW),
                Instant.now().plus(VALIDITY), null);
    }

    X509Certificate caCertificate() {
        return ca;
    }

    /** Data for TLSA {@code 2 1 1} (DANE-TA, SPKI, SHA-256) naming this CA. */
    byte[] caSpkiSha256() {
        return sha256(ca.getPublicKey().getEncoded());
    }

    /** Data for TLSA {@code 2 0 1} (DANE-TA, full certificate, SHA-256) naming this CA. */
    byte[] caCertSha256() throws GeneralSecurityException {
        return sha256(ca.getEncoded());
    }

    /** Writes the CA certificate as PEM (for a trust configuration) and returns {@code file}. */
    Path writeCaPem(Path file) throws GeneralSecurityException, IOException {
        Files.writeString(file, pem(ca), StandardCharsets.US_ASCII);
        return file;
    }

    /** Writes a PKCS#12 trust store holding only the CA (alias "ca") and returns {@code file}. */
    Path writeTrustStore(Path file, char[] password) throws GeneralSecurityException, IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            trustStore().store(out, password);
        }
        return file;
    }

    KeyStore trustStore() throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca);
        return ks;
    }

    /** PKIX trust in this CA alone, as a verifying client has it. */
    X509TrustManager trustManager() throws GeneralSecurityException, IOException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustStore());
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X509TrustManager");
    }

    /** A client context trusting this CA alone (no host name check: turn that on per socket). */
    SSLContext clientContext() throws GeneralSecurityException, IOException {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, new TrustManager[] {trustManager()}, null);
        return c;
    }

    /** A leaf for these DNS names (the first is also the CN), signed by this CA, valid now. */
    Leaf leaf(String... dnsNames) throws GeneralSecurityException {
        return leaf(Instant.now().minus(SKEW), Instant.now().plus(VALIDITY), dnsNames);
    }

    /** A leaf with a chosen validity, e.g. one that has expired (PKIX refuses it, DANE-EE does not look). */
    Leaf leaf(Instant notBefore, Instant notAfter, String... dnsNames) throws GeneralSecurityException {
        KeyPair keys = keyPair();
        X509Certificate cert = sign(new X500Name("CN=" + dnsNames[0]), keys.getPublic(), X500Name.getInstance(
                ca.getSubjectX500Principal().getEncoded()), caKeys, false, List.of(dnsNames), notBefore, notAfter, ca);
        return new Leaf(keys.getPrivate(), List.of(cert, ca));
    }

    /** A self-signed leaf for these names: the "bad certificate" of every PKIX-checking client. */
    static Leaf selfSigned(String... dnsNames) throws GeneralSecurityException {
        KeyPair keys = keyPair();
        X500Name subject = new X500Name("CN=" + dnsNames[0]);
        X509Certificate cert = sign(subject, keys.getPublic(), subject, keys, false, List.of(dnsNames),
                Instant.now().minus(SKEW), Instant.now().plus(VALIDITY), null);
        return new Leaf(keys.getPrivate(), List.of(cert));
    }

    /**
     * A server context choosing its certificate by the client's SNI (case-insensitive), and
     * {@code fallback} when the name is absent or unknown ({@code fallback} may be null: then
     * such a handshake fails). Lets one listener be a good host and a bad one at once.
     */
    static SSLContext serverContext(Leaf fallback, Map<String, Leaf> byServerName) throws GeneralSecurityException {
        Map<String, Leaf> byName = new HashMap<>();
        byServerName.forEach((name, leaf) -> byName.put(name.toLowerCase(Locale.ROOT), leaf));
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(new KeyManager[] {new SniKeyManager(fallback, byName)}, null, null);
        return c;
    }

    /**
     * Server parameters under which every connection is a full handshake, in which the client sees
     * and checks the certificate: one loopback listener stands in for several hosts, and a resumed
     * session would skip that check. A JDK 17 server resumes TLS 1.3 sessions without comparing
     * SNI, but sends no tickets, so nothing can be resumed, when the session lifetime exceeds seven
     * days (RFC 8446 §4.6.1's limit); the SNI matcher makes it refuse TLS 1.2 resumption under
     * another name. Sets {@code context}'s server session timeout.
     *
     * <p>What a server cannot prevent: a JDK client holding a cached session for the same peer host
     * and port sends that session's SNI, not the one it was told, and checks the certificate against
     * it. A client reaching several names at 127.0.0.1:port must name the host when it makes the
     * socket ({@code createSocket(socket, "mta-sts.example.test", port, true)}), not the address.
     */
    static SSLParameters serverParameters(SSLContext context) {
        context.getServerSessionContext().setSessionTimeout(NO_TLS13_TICKETS);
        SSLParameters p = context.getDefaultSSLParameters();
        p.setSNIMatchers(List.of(new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
            @Override
            public boolean matches(SNIServerName name) {
                return true;
            }
        }));
        return p;
    }

    static String pem(X509Certificate... certificates) throws GeneralSecurityException {
        StringBuilder b = new StringBuilder();
        for (X509Certificate c : certificates) {
            b.append(pem("CERTIFICATE", c.getEncoded()));
        }
        return b.toString();
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + base64 + "\n-----END " + type + "-----\n";
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X500Name subject, PublicKey subjectKey, X500Name issuer, KeyPair issuerKeys,
            boolean isCa, List<String> dnsNames, Instant notBefore, Instant notAfter, X509Certificate issuerCert)
            throws GeneralSecurityException {
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                    Date.from(notBefore), Date.from(notAfter), subject, subjectKey);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
            b.addExtension(Extension.authorityKeyIdentifier, false, issuerCert != null
                    ? ext.createAuthorityKeyIdentifier(issuerCert) : ext.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
            if (isCa) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                List<GeneralName> names = new ArrayList<>();
                for (String n : dnsNames) {
                    names.add(new GeneralName(GeneralName.dNSName, n));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
        } catch (OperatorCreationException | IOException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** Picks the leaf for the SNI of the handshake under way. */
    private static final class SniKeyManager extends X509ExtendedKeyManager {
        private static final String FALLBACK = "\0fallback";
        private final Leaf fallback;
        private final Map<String, Leaf> byName;

        SniKeyManager(Leaf fallback, Map<String, Leaf> byName) {
            this.fallback = fallback;
            this.byName = byName;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return socket instanceof SSLSocket s ? choose(keyType, s.getHandshakeSession()) : choose(keyType, null);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return choose(keyType, engine == null ? null : engine.getHandshakeSession());
        }

        private String choose(String keyType, SSLSession handshake) {
            String alias = FALLBACK;
            if (handshake instanceof ExtendedSSLSession e) {
                for (SNIServerName n : e.getRequestedServerNames()) {
                    if (n instanceof SNIHostName h && byName.containsKey(h.getAsciiName().toLowerCase(Locale.ROOT))) {
                        alias = h.getAsciiName().toLowerCase(Locale.ROOT);
                    }
                }
            }
            Leaf leaf = leaf(alias);
            // the JDK asks once per key type it could use ("EC", "RSA", TLS 1.2's "EC_EC"...)
            return leaf != null && keyType.split("_")[0].equals(leaf.key().getAlgorithm()) ? alias : null;
        }

        private Leaf leaf(String alias) {
            return FALLBACK.equals(alias) ? fallback : byName.get(alias);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            Leaf leaf = leaf(alias);
            return leaf == null ? null : leaf.chain().toArray(X509Certificate[]::new);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            Leaf leaf = leaf(alias);
            return leaf == null ? null : leaf.key();
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            List<String> aliases = new ArrayList<>(byName.keySet());
            if (fallback != null) {
                aliases.add(FALLBACK);
            }
            return aliases.toArray(String[]::new);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
