package org.postern.submission.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS context of verified outbound connections (MTA-STS: the SMTP session and the policy
 * fetch): the JDK's CA certificates, plus those of an optional PEM file for a private PKI or a
 * test. Host names are checked by the caller (endpoint identification), not here.
 */
final class VerifiedTls {
    private VerifiedTls() {
    }

    static SSLContext context(String extraCaFile) {
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jdk.init((KeyStore) null);
            int n = 0;
            for (javax.net.ssl.TrustManager tm : jdk.getTrustManagers()) {
                if (tm instanceof javax.net.ssl.X509TrustManager x) {
                    for (Certificate c : x.getAcceptedIssuers()) {
                        trusted.setCertificateEntry("jdk-" + n++, c);
                    }
                }
            }
            if (extraCaFile != null && !extraCaFile.isBlank()) {
                try (InputStream in = Files.newInputStream(Path.of(extraCaFile))) {
                    Collection<? extends Certificate> extra = CertificateFactory.getInstance("X.509").generateCertificates(in);
                    if (extra.isEmpty()) {
                        throw new IllegalArgumentException("tls.trust.file holds no certificate: " + extraCaFile);
                    }
                    for (Certificate c : extra) {
                        trusted.setCertificateEntry("extra-" + n++, c);
                    }
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException e) {
            throw new IllegalArgumentException("tls.trust.file cannot be read: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS trust unavailable: " + e.getMessage(), e);
        }
    }
}
