package org.postern.submission.internal;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates for TLS tests: a CA, leaves it signs for given names, self-signed ones. EC P-256. */
final class TestCerts {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A key and its certificate chain, leaf first. */
    record Identity(KeyPair keys, X509Certificate[] chain) {
        X509Certificate certificate() {
            return chain[0];
        }

        SSLContext serverContext() throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", keys.getPrivate(), new char[0], chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        }
    }

    private TestCerts() {
    }

    static Identity ca(String name) throws Exception {
        KeyPair k = keys();
        return new Identity(k, new X509Certificate[] {build("CN=" + name, k, "CN=" + name, k.getPrivate(), true,
                Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(2)))});
    }

    static Identity leaf(Identity ca, String... names) throws Exception {
        return leaf(ca, Instant.now().plus(Duration.ofDays(2)), names);
    }

    static Identity leaf(Identity ca, Instant notAfter, String... names) throws Exception {
        KeyPair k = keys();
        X509Certificate c = build("CN=" + names[0], k, ca.certificate().getSubjectX500Principal().getName(),
                ca.keys().getPrivate(), false, Instant.now().minus(Duration.ofDays(3)), notAfter, names);
        return new Identity(k, new X509Certificate[] {c, ca.certificate()});
    }

    /** A leaf the CA signs with the given subject (RFC 4514 text) and no subject alternative names. */
    static Identity leafWithSubject(Identity ca, String subject) throws Exception {
        KeyPair k = keys();
        X509Certificate c = build(subject, k, ca.certificate().getSubjectX500Principal().getName(), ca.keys().getPrivate(),
                false, Instant.now().minus(Duration.ofDays(3)), Instant.now().plus(Duration.ofDays(2)));
        return new Identity(k, new X509Certificate[] {c, ca.certificate()});
    }

    static Identity selfSigned(String... names) throws Exception {
        KeyPair k = keys();
        return new Identity(k, new X509Certificate[] {build("CN=" + names[0], k, "CN=" + names[0], k.getPrivate(), false,
                Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(2)), names)});
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate build(String subject, KeyPair subjectKeys, String issuer,
            java.security.PrivateKey issuerKey, boolean ca, Instant from, Instant to, String... names) throws Exception {
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer),
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(from), Date.from(to), new X500Name(subject),
                subjectKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (names.length > 0) {
            GeneralName[] sans = new GeneralName[names.length];
            for (int i = 0; i < names.length; i++) {
                sans[i] = new GeneralName(GeneralName.dNSName, names[i]);
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }
}
