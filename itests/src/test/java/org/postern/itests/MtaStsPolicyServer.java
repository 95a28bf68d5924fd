package org.postern.itests;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;

/**
 * The HTTPS side of MTA-STS (RFC 8461 §3.3) for tests: one listener on 127.0.0.1 standing in for
 * every {@code mta-sts.<domain>} host, serving {@code GET /.well-known/mta-sts.txt} with the body the
 * test set for the request's Host (SNI when there is no Host header), 404 for anything else, and
 * remembering every request with the SNI it came with. A Postern under test reaches it because its
 * DNS (a {@code LoopbackDnsServer}) sends {@code mta-sts.<domain>} to 127.0.0.1 and its fetcher is
 * told this port; the certificate is whatever {@link SSLContext} the test gives, e.g. a {@link
 * TestPki} leaf for all the policy hosts, or {@link TestPki#serverContext} for a different one per
 * SNI.
 */
final class MtaStsPolicyServer implements AutoCloseable {
    static final String PATH = "/.well-known/mta-sts.txt";

    /** One request: Host without port, lower case; SNI null when the client sent none. */
    record Request(String host, String sni, String method, String path, String protocol) {
    }

    private record Response(int status, String contentType, byte[] body) {
    }

    private final HttpsServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "itest-mta-sts");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Response> responses = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    MtaStsPolicyServer(SSLContext tls) throws IOException {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                params.setSSLParameters(TestPki.serverParameters(tls));
            }
        });
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Serves {@code body} as text/plain with 200 to {@code host}, e.g. "mta-sts.sts.test". */
    MtaStsPolicyServer policy(String host, String body) {
        return respond(host, 200, "text/plain", body);
    }

    /** Anything else at the policy path: a 500, a 3xx (never to be followed), another type... */
    MtaStsPolicyServer respond(String host, int status, String contentType, String body) {
        responses.put(host.toLowerCase(Locale.ROOT), new Response(status, contentType, body.getBytes(StandardCharsets.UTF_8)));
        return this;
    }

    /** {@code host} gets 404 from now on: its policy is gone. */
    MtaStsPolicyServer remove(String host) {
        responses.remove(host.toLowerCase(Locale.ROOT));
        return this;
    }

    /** A policy text: version, mode, one line per MX pattern, max_age; CRLF line ends (§3.2). */
    static String policyText(String mode, long maxAgeSeconds, String... mxPatterns) {
        StringBuilder b = new StringBuilder("version: STSv1\r\nmode: ").append(mode).append("\r\n");
        for (String mx : mxPatterns) {
            b.append("mx: ").append(mx).append("\r\n");
        }
        return b.append("max_age: ").append(maxAgeSeconds).append("\r\n").toString();
    }

    /** How many requests named this host (any path, any answer). */
    int requests(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return (int) requests.stream().filter(r -> h.equals(r.host())).count();
    }

    /** Every request, oldest first. */
    List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            try (InputStream body = exchange.getRequestBody()) {
                body.readAllBytes();
            }
            String sni = sni(exchange);
            String host = exchange.getRequestHeaders().getFirst("Host");
            host = host == null ? sni : host.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
            String path = exchange.getRequestURI().getRawPath();
            requests.add(new Request(host, sni, exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getProtocol()));
            Response r = host == null ? null : responses.get(host);
            if (r == null || !"GET".equals(exchange.getRequestMethod()) || !PATH.equals(path)
                    || exchange.getRequestURI().getRawQuery() != null) {
                r = new Response(404, "text/plain", "not found\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            exchange.getResponseHeaders().set("Content-Type", r.contentType());
            exchange.sendResponseHeaders(r.status(), r.body().length == 0 ? -1 : r.body().length);
            if (r.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(r.body());
                }
            }
        } finally {
            exchange.close();
        }
    }

    private static String sni(HttpExchange exchange) {
        if (exchange instanceof HttpsExchange https) {
            SSLSession session = https.getSSLSession();
            if (session instanceof ExtendedSSLSession e) {
                for (SNIServerName n : e.getRequestedServerNames()) {
                    if (n instanceof SNIHostName h) {
                        return h.getAsciiName().toLowerCase(Locale.ROOT);
                    }
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
