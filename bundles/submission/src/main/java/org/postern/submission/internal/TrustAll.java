package org.postern.submission.internal;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS context of opportunistic STARTTLS (RFC 7435, RFC 3207 4.1): any certificate is taken,
 * since refusing a self-signed one would only make the mail go in clear text instead. Domains that
 * publish MTA-STS or DANE get a verifying context, never this one.
 */
final class TrustAll {
    private static final SSLContext CONTEXT = make();

    private TrustAll() {
    }

    static SSLContext context() {
        return CONTEXT;
    }

    private static SSLContext make() {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                    // not a server
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                    // opportunistic: encryption against eavesdroppers, no authentication
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
