package org.postern.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;

/**
 * Every way a STARTTLS session can end gives its per-IP slot back. An old MTA whose handshake
 * fails and which retries must never lock itself out with {@code 421 Too many connections}.
 */
class TlsFailureTest extends SmtpTestSupport {

    /** No cipher in common: the server's key is RSA, the client offers ECDSA suites only. */
    private void failHandshakeNoCommonCipher() throws Exception {
        try (RawClient c = ehlo()) {
            assertEquals("220 2.0.0 Ready to start TLS", c.command("STARTTLS"));
            SSLSocket tls = (SSLSocket) trustAll().getSocketFactory().createSocket(c.socket(), "127.0.0.1", port, true);
            tls.setEnabledProtocols(new String[] {"TLSv1.2"});
            tls.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"});
            assertThrows(SSLException.class, tls::startHandshake);
        }
    }

    /** A client that answers STARTTLS with bytes that are no TLS record at all. */
    private void failHandshakeGarbage() throws Exception {
        try (RawClient c = ehlo()) {
            assertEquals("220 2.0.0 Ready to start TLS", c.command("STARTTLS"));
            c.send("EHLO this is not a ClientHello\r\n");
            assertTrue(c.closedByServer(), "the server hangs up on a broken handshake");
        }
    }

    /** A client that hangs up in the middle of the handshake. */
    private void abandonHandshake() throws Exception {
        try (RawClient c = ehlo()) {
            assertEquals("220 2.0.0 Ready to start TLS", c.command("STARTTLS"));
            c.send("\u0016\u0003\u0001\u0002\u0000\u0001");
        }
    }

    /**
     * An old MTA: OpenSSL offering TLS 1.1 only, which the server refuses with a protocol_version
     * alert. (The JDK's own client cannot offer TLS 1.1 here: it is disabled in java.security.)
     */
    private void oldClientTls11() throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-starttls", "smtp", "-connect", "127.0.0.1:" + port,
                "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0").redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(out.contains("alert") || out.contains("error"), "TLS 1.1 is refused: " + out);
    }

    @Test
    void fiftyFailedHandshakesFromOneAddressThenMailIsStillAccepted() throws Exception {
        for (int i = 0; i < 50; i++) {
            switch (i % 4) {
                case 0 -> oldClientTls11();
                case 1 -> failHandshakeNoCommonCipher();
                case 2 -> failHandshakeGarbage();
                default -> abandonHandshake();
            }
        }
        // Slots are returned when MINA reports the close, which can trail the client's view by
        // a moment: poll the greeting up to a generous deadline rather than sleeping.
        long deadline = System.nanoTime() + 20_000_000_000L;
        String greeting;
        do {
            try (RawClient c = new RawClient(port)) {
                greeting = c.reply();
            }
        } while (!greeting.startsWith("220 ") && System.nanoTime() < deadline && pause());
        assertEquals("220 " + HOSTNAME + " ESMTP Postern", greeting);
        try (RawClient c = ehlo()) {
            assertTrue(c.command("MAIL FROM:<s@origin.example>").startsWith("250"));
            assertTrue(c.command("RCPT TO:<alice@example.net>").startsWith("250"));
            assertTrue(c.command("DATA").startsWith("354"));
            assertTrue(c.command("Subject: after\r\n\r\nstill here\r\n.").startsWith("250 2.0.0 Ok"));
        }
        assertEquals(1, mailboxes.delivered.size());
    }

    private static boolean pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }
}
