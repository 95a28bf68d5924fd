package org.postern.https.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.AbstractHandler;
import org.eclipse.jetty.server.handler.HandlerCollection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.protocol.ServerTls;
import org.postern.protocol.Tls;

/**
 * A real Jetty server, as pax-web builds it (a plain connector, handlers in a collection), with
 * the HTTPS handler among them, and a real TLS client.
 */
class HttpsConnectorTest {
    @TempDir
    Path dir;

    private final AtomicReference<SSLContext> current = new AtomicReference<>();
    private Server server;
    private HttpsConnector https;
    private int port;

    @BeforeEach
    void start() throws Exception {
        current.set(Tls.selfSigned(dir.resolve("first"), "first.postern.test"));
        ServerTls tls = new ServerTls() {
            @Override
            public SSLContext context() {
                return current.get();
            }

            @Override
            public String hostname() {
                return "first.postern.test";
            }
        };
        port = freePort();
        server = new Server();
        ServerConnector plain = new ServerConnector(server);
        plain.setHost("127.0.0.1");
        plain.setPort(0);
        server.addConnector(plain);
        https = new HttpsConnector(tls, config(true, port));
        HandlerCollection handlers = new HandlerCollection();
        handlers.setHandlers(new Handler[] {new Echo(), https});
        server.setHandler(handlers);
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    @Test
    void servesRequestsOverTlsAsSecureRequests() throws Exception {
        String answer = get(client(null), port);
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(answer.contains("scheme=https secure=true"), answer);
    }

    @Test
    void aRenewedCertificateServesTheNextConnectionWithoutRebinding() throws Exception {
        AtomicReference<X509Certificate> seen = new AtomicReference<>();
        get(client(seen), port);
        assertTrue(seen.get().getSubjectX500Principal().getName().contains("first.postern.test"));
        current.set(Tls.selfSigned(dir.resolve("second"), "second.postern.test"));
        get(client(seen), port);
        assertTrue(seen.get().getSubjectX500Principal().getName().contains("second.postern.test"),
                seen.get().getSubjectX500Principal().getName());
        assertEquals(port, https.localPort(), "the same listener");
    }

    @Test
    void refusesWhatEveryOtherListenerRefuses() throws Exception {
        SSLContext client = client(null);
        try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            s.setEnabledCipherSuites(new String[] {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"});
            assertThrows(SSLHandshakeException.class, s::startHandshake, "CBC and static RSA suites are refused");
        }
    }

    @Test
    void aTakenPortCostsHttpsOnlyAndAConfigChangeMovesTheListener() throws Exception {
        int other = freePort();
        try (ServerSocket taken = new ServerSocket(other, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            https.modified(config(true, other));
            assertEquals(-1, https.localPort(), "not listening on a taken port");
            assertTrue(server.isStarted());
        }
        https.modified(config(true, other));
        assertTrue(get(client(null), other).startsWith("HTTP/1.1 200"));
        assertThrows(IOException.class, () -> get(client(null), port), "the old port is closed");
        https.modified(config(false, other));
        assertThrows(IOException.class, () -> get(client(null), other), "disabled");
    }

    @Test
    void aClientPastItsConnectionLimitIsClosedBeforeItsHandshakeAndTheNextOneAfterAFreedSlotIsServed() throws Exception {
        https.modified(config(true, port, 2));
        SSLContext client = client(null);
        SSLSocket one = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port);
        SSLSocket two = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port);
        try {
            one.startHandshake();
            two.startHandshake();
            try (SSLSocket three = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
                three.setSoTimeout(10_000);
                assertThrows(IOException.class, three::startHandshake, "a third connection from one address");
            }
        } finally {
            one.close();
        }
        // the freed slot is counted back (asynchronously: poll)
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        String answer = null;
        while (answer == null) {
            try {
                answer = get(client, port);
            } catch (IOException notYet) {
                assertTrue(System.nanoTime() < deadline, "the slot never came back");
                Thread.sleep(100);
            }
        }
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        two.close();
    }

    @Test
    void thePlainListenerHasTheTotalLimitEvenWithHttpsOff() throws Exception {
        https.modified(config(false, port, 1, 2));
        int plainPort = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        java.net.Socket one = new java.net.Socket("127.0.0.1", plainPort);
        java.net.Socket two = new java.net.Socket("127.0.0.1", plainPort);
        try {
            assertTrue(plainGet(one).startsWith("HTTP/1.1 200"));
            assertTrue(plainGet(two).startsWith("HTTP/1.1 200"));
            try (java.net.Socket three = new java.net.Socket("127.0.0.1", plainPort)) {
                three.setSoTimeout(10_000);
                String answer;
                try {
                    answer = plainGet(three);
                } catch (IOException reset) {
                    answer = "";
                }
                assertEquals("", answer, "a third connection in all is closed unanswered");
            }
        } finally {
            one.close();
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        String answer = "";
        while (!answer.startsWith("HTTP/1.1 200")) {
            try (java.net.Socket again = new java.net.Socket("127.0.0.1", plainPort)) {
                again.setSoTimeout(10_000);
                answer = plainGet(again);
            } catch (IOException notYet) {
                answer = "";
            }
            if (!answer.startsWith("HTTP/1.1 200")) {
                assertTrue(System.nanoTime() < deadline, "the slot never came back");
                Thread.sleep(100);
            }
        }
        two.close();
    }

    /** One keep-alive request on a plain socket: the status line and headers, or "" when closed unanswered. */
    private static String plainGet(java.net.Socket s) throws IOException {
        s.setSoTimeout(10_000);
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        java.io.InputStream in = s.getInputStream();
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            b.append((char) c);
            if (b.toString().endsWith("\r\n\r\n")) {
                break;
            }
        }
        return b.toString();
    }

    private static String get(SSLContext client, int port) throws IOException {
        try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /** A client that records the server's certificate: what is served is the question here. */
    private static SSLContext client(AtomicReference<X509Certificate> seen) throws Exception {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                if (seen != null) {
                    seen.set(chain[0]);
                }
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return c;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static HttpsConfig config(boolean enabled, int port) {
        return config(enabled, port, 50);
    }

    private static HttpsConfig config(boolean enabled, int port, int perClient) {
        return config(enabled, port, perClient, 5000);
    }

    private static HttpsConfig config(boolean enabled, int port, int perClient, int total) {
        return new HttpsConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return HttpsConfig.class;
            }

            @Override
            public boolean enabled() {
                return enabled;
            }

            @Override
            public String address() {
                return "127.0.0.1";
            }

            @Override
            public int port() {
                return port;
            }

            @Override
            public int max_connections_per_ip() {
                return perClient;
            }

            @Override
            public int max_connections() {
                return total;
            }
        };
    }

    private static final class Echo extends AbstractHandler {
        @Override
        public void handle(String target, Request base, HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            response.setContentType("text/plain");
            response.getWriter().print("scheme=" + request.getScheme() + " secure=" + request.isSecure());
            base.setHandled(true);
        }
    }
}
