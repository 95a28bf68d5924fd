package org.postern.imap.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/**
 * A client that waits for STARTTLS's OK and then sends its ClientHello at once must always get a
 * handshake, however the server's threads are scheduled. Before reads were held from the OK until
 * the TLS filter was in, a ClientHello read in that gap was dropped as clear text and the session
 * hung until the client's timeout (seen in CI as Angus Mail's "STARTTLS failure").
 */
class StartTlsRaceTest extends ImapTestSupport {
    private static final int HANDSHAKES = 400;
    private static final int CLIENTS = 16;

    @Test
    void everyHandshakeRightAfterTheOkSucceeds() throws Exception {
        SSLContext trustAll = SSLContext.getInstance("TLS");
        trustAll.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < HANDSHAKES; i++) {
                results.add(pool.submit(() -> handshake(trustAll)));
            }
            int ok = 0;
            List<String> failures = new ArrayList<>();
            for (Future<String> f : results) {
                String r = f.get();
                if (r.startsWith("C OK")) {
                    ok++;
                } else {
                    failures.add(r);
                }
            }
            assertTrue(failures.isEmpty(), failures.size() + " of " + HANDSHAKES + " failed, first: "
                    + (failures.isEmpty() ? "" : failures.get(0)));
            assertEquals(HANDSHAKES, ok);
        } finally {
            pool.shutdownNow();
        }
    }

    /** STARTTLS, the handshake right after the OK, then CAPABILITY over TLS: its tagged reply. */
    private String handshake(SSLContext client) {
        try (Socket plain = new Socket("127.0.0.1", port)) {
            // Long enough for a loaded CI machine, short enough that hung sessions fail the test soon.
            plain.setSoTimeout(20_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.ISO_8859_1));
            in.readLine(); // greeting
            plain.getOutputStream().write("S STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            String ok = in.readLine();
            if (ok == null || !ok.startsWith("S OK")) {
                return "STARTTLS answered " + ok;
            }
            try (SSLSocket tls = (SSLSocket) client.getSocketFactory().createSocket(plain, "127.0.0.1", port, true)) {
                tls.startHandshake();
                tls.getOutputStream().write("C CAPABILITY\r\n".getBytes(StandardCharsets.US_ASCII));
                BufferedReader tin = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.ISO_8859_1));
                String l;
                while ((l = tin.readLine()) != null) {
                    if (l.startsWith("C ")) {
                        return l;
                    }
                }
                return "closed after the handshake";
            }
        } catch (Exception e) {
            return e.toString();
        }
    }
}
