package org.postern.submission.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy fetch over real HTTPS (RFC 8461 §3.3): verified certificate for mta-sts.<domain>, 200 text/plain only. */
class HttpsPolicyFetcherTest {
    private static final String POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx.sts.test\r\nmax_age: 86400\r\n";

    @TempDir
    Path dir;

    private HttpsServer server;
    private volatile int status = 200;
    private volatile String contentType = "text/plain; charset=utf-8";
    private volatile byte[] body = POLICY.getBytes(StandardCharsets.UTF_8);

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private HttpsPolicyFetcher fetcher(SSLContext serverTls, TestCerts.Identity trustedCa) throws Exception {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        server.createContext(HttpsPolicyFetcher.PATH, exchange -> {
            if (contentType != null) {
                exchange.getResponseHeaders().set("Content-Type", contentType);
            }
            if (status == 301) {
                exchange.getResponseHeaders().set("Location", "https://evil.test/policy");
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        Path pem = dir.resolve("ca.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder().encodeToString(trustedCa.certificate().getEncoded()) + "\n-----END CERTIFICATE-----\n");
        return new HttpsPolicyFetcher(TestPeers.Dns::new, VerifiedTls.context(pem.toString()), server.getAddress().getPort(), 5000, true);
    }

    @Test
    void aPolicyServedWithAValidCertificateIsRead() throws Exception {
        TestCerts.Identity ca = TestCerts.ca("Test CA");
        HttpsPolicyFetcher f = fetcher(TestCerts.leaf(ca, "mta-sts.sts.test").serverContext(), ca);
        assertEquals(POLICY, f.fetch("sts.test"));
    }

    @Test
    void aCertificateForAnotherNameOrFromAnUntrustedIssuerIsRefused() throws Exception {
        TestCerts.Identity ca = TestCerts.ca("Test CA");
        HttpsPolicyFetcher wrongName = fetcher(TestCerts.leaf(ca, "www.sts.test").serverContext(), ca);
        assertThrows(IOException.class, () -> wrongName.fetch("sts.test"));
        stop();
        HttpsPolicyFetcher selfSigned = fetcher(TestCerts.selfSigned("mta-sts.sts.test").serverContext(), ca);
        assertThrows(IOException.class, () -> selfSigned.fetch("sts.test"));
    }

    @Test
    void onlyA200TextPlainAnswerOfAtMost64KiBIsAPolicy() throws Exception {
        TestCerts.Identity ca = TestCerts.ca("Test CA");
        HttpsPolicyFetcher f = fetcher(TestCerts.leaf(ca, "mta-sts.sts.test").serverContext(), ca);
        status = 301;
        IOException redirect = assertThrows(IOException.class, () -> f.fetch("sts.test"), "no redirects");
        assertTrue(redirect.getMessage().contains("301"), redirect.getMessage());
        status = 404;
        assertThrows(IOException.class, () -> f.fetch("sts.test"));
        status = 200;
        contentType = "text/html";
        assertThrows(IOException.class, () -> f.fetch("sts.test"));
        contentType = null;
        assertThrows(IOException.class, () -> f.fetch("sts.test"));
        contentType = "text/plain";
        body = new byte[MtaSts.MAX_POLICY_OCTETS + 1];
        assertThrows(IOException.class, () -> f.fetch("sts.test"));
    }

    @Test
    void aPolicyHostThatTricklesItsHandshakeCostsAtMostTheTimeout() throws Exception {
        try (java.net.ServerSocket slow = new java.net.ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (java.net.Socket s = slow.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write(new byte[] {0x16, 0x03, 0x03, 0x40, 0x00}); // a 16 KiB handshake record...
                    out.flush();
                    for (int i = 0; i < 16 * 1024 && !slow.isClosed(); i++) {
                        Thread.sleep(100); // ...one octet at a time, each well within the socket timeout
                        out.write(0);
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // the client hung up
                }
            });
            t.setDaemon(true);
            t.start();
            HttpsPolicyFetcher f = new HttpsPolicyFetcher(TestPeers.Dns::new, VerifiedTls.context(""), slow.getLocalPort(), 1000, true);
            long start = System.nanoTime();
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                    () -> assertThrows(IOException.class, () -> f.fetch("sts.test")));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 3000, "the whole fetch is bounded by its timeout, took " + millis + " ms");
        }
    }

    @Test
    void aPolicyHostOnAPrivateAddressIsNotConnectedToUnlessAllowed() throws Exception {
        TestCerts.Identity ca = TestCerts.ca("Test CA");
        fetcher(TestCerts.leaf(ca, "mta-sts.sts.test").serverContext(), ca); // listening on loopback
        HttpsPolicyFetcher refusing = new HttpsPolicyFetcher(TestPeers.Dns::new, VerifiedTls.context(""),
                server.getAddress().getPort(), 5000, false);
        IOException e = assertThrows(IOException.class, () -> refusing.fetch("sts.test"));
        assertTrue(e.getMessage().contains("only private addresses"), e.getMessage());
    }
}
