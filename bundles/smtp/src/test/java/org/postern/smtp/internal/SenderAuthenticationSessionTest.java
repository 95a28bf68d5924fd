package org.postern.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsAnswer.Status;
import org.postern.api.dns.DnsResolver;
import org.postern.api.dns.MxRecord;
import org.postern.api.dns.TlsaRecord;

/**
 * The MX's side of sender authentication through a real listener: the Authentication-Results it
 * writes, the forged ones it removes, DMARC p=reject refused at the end of DATA, slow DNS that
 * ends in temperror, and commands pipelined behind the end of DATA while the checks run.
 * (The checks themselves: postern-mailauth's tests; DKIM end to end: SenderAuthenticationIT.)
 */
class SenderAuthenticationSessionTest extends SmtpTestSupport {
    /** TXT answers by name; names in {@link #hanging} never answer; everything else NXDOMAIN. */
    static final class TxtDns implements DnsResolver {
        final Map<String, String> txt = new ConcurrentHashMap<>();
        final Map<String, Boolean> hanging = new ConcurrentHashMap<>();
        final Map<String, Boolean> asked = new ConcurrentHashMap<>();
        /** Answered when the test completes the future. */
        final Map<String, CompletableFuture<DnsAnswer<String>>> late = new ConcurrentHashMap<>();

        private <T> CompletionStage<DnsAnswer<T>> none() {
            return CompletableFuture.completedFuture(DnsAnswer.none(Status.NXDOMAIN, false, 60));
        }

        @Override
        public CompletionStage<DnsAnswer<String>> txt(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            asked.put(n, true);
            if (hanging.containsKey(n)) {
                return new CompletableFuture<>();
            }
            if (late.containsKey(n)) {
                return late.get(n);
            }
            String v = txt.get(n);
            return v == null ? none() : CompletableFuture.completedFuture(DnsAnswer.ok(List.of(v), false, 60));
        }

        @Override
        public CompletionStage<DnsAnswer<String>> ptr(InetAddress address) {
            return none();
        }

        @Override
        public CompletionStage<DnsAnswer<InetAddress>> a(String name) {
            return none();
        }

        @Override
        public CompletionStage<DnsAnswer<InetAddress>> aaaa(String name) {
            return none();
        }

        @Override
        public CompletionStage<DnsAnswer<MxRecord>> mx(String domain) {
            return none();
        }

        @Override
        public CompletionStage<DnsAnswer<TlsaRecord>> tlsa(String name) {
            return none();
        }
    }

    private final TxtDns dns = new TxtDns();

    @BeforeEach
    void withDns() {
        dns.txt.put("good.example", "v=spf1 ip4:127.0.0.0/8 -all");
        dns.txt.put("forged.example", "v=spf1 ip4:192.0.2.1 -all");
        dns.txt.put("_dmarc.forged.example", "v=DMARC1; p=reject");
        dns.txt.put("_dmarc.relaxed.example", "v=DMARC1; p=none");
        dns.txt.put("relaxed.example", "v=spf1 ip4:192.0.2.1 -all");
        server.dns = dns;
    }

    private String send(RawClient c, String from, String message) throws IOException {
        assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<" + from + ">"));
        assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"));
        assertEquals("354 End data with <CR><LF>.<CR><LF>", c.command("DATA"));
        return c.command(message + "\r\n.");
    }

    private String lastStored() throws IOException {
        return blobs.read(mailboxes.delivered.get(mailboxes.delivered.size() - 1).body());
    }

    @Test
    void everyAcceptedMessageCarriesTheResultsBelowItsReceivedHeader() throws IOException {
        try (RawClient c = ehlo()) {
            String reply = send(c, "news@good.example", "From: News <news@good.example>\r\nSubject: hi\r\n\r\nbody");
            assertTrue(reply.startsWith("250 2.0.0 Ok: queued as "), reply);
        }
        String stored = lastStored();
        int received = stored.indexOf("Received: ");
        int results = stored.indexOf("Authentication-Results: " + HOSTNAME + ";\r\n");
        assertTrue(received == 0 && results > received && results < stored.indexOf("From: News"), stored);
        assertTrue(stored.contains("\tspf=pass (matched ip4:127.0.0.0/8) smtp.mailfrom=news@good.example;\r\n"), stored);
        assertTrue(stored.contains("\tdkim=none;\r\n"), stored);
        assertTrue(stored.contains("\tdmarc=none (no DMARC record) header.from=good.example\r\n"), stored);
        assertEquals(stored.length(), mailboxes.delivered.get(0).size());
    }

    /** The continuation after the checks must not pass through the TLS filter (it did, and every STARTTLS message failed). */
    @Test
    void underStarttlsMessagesByDataAndByBdatGetTheirResults() throws Exception {
        try (RawClient c = ehlo()) {
            assertEquals("220 2.0.0 Ready to start TLS", c.command("STARTTLS"));
            SSLContext trustAll = trustAll();
            SSLSocket tls = (SSLSocket) trustAll.getSocketFactory().createSocket(c.socket(), "127.0.0.1", port, true);
            tls.startHandshake();
            c.use(tls);
            c.send("EHLO client.example.org\r\n");
            c.replyLines();
            assertTrue(send(c, "news@good.example", "From: news@good.example\r\nSubject: tls\r\n\r\nx").startsWith("250 2.0.0 Ok"));
            String body = "From: news@good.example\r\nSubject: tls bdat\r\n\r\ny\r\n";
            c.send("MAIL FROM:<news@good.example>\r\nRCPT TO:<alice@example.net>\r\nBDAT " + body.length() + " LAST\r\n"
                    + body + "NOOP\r\n");
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertTrue(c.reply().startsWith("250 2.0.0 Ok: queued as "));
            assertEquals("250 2.0.0 Ok", c.reply());
            assertEquals("550 5.7.1 Message rejected by the DMARC policy of forged.example: no aligned SPF or DKIM pass",
                    send(c, "ceo@forged.example", "From: ceo@forged.example\r\n\r\nz"));
        }
        assertEquals(2, mailboxes.delivered.size());
        for (var m : mailboxes.delivered) {
            String stored = blobs.read(m.body());
            assertTrue(stored.contains(" with ESMTPS id ") && stored.contains("\tspf=pass (matched ip4:127.0.0.0/8)"), stored);
        }
    }

    @Test
    void aHeaderTooBigToCheckIsRefused() throws IOException {
        maxMessageSize = 4 * 1024 * 1024;
        restart();
        server.dns = dns;
        String pad = ("X-Pad: " + "p".repeat(990) + "\r\n").repeat(270);
        try (RawClient c = ehlo()) {
            assertEquals("552 5.3.4 Message header too big (over 262144 octets or 1000 fields)", send(c, "news@good.example",
                    pad + "Authentication-Results: " + HOSTNAME + "; dmarc=pass\r\nFrom: ceo@forged.example\r\n\r\nx"));
            assertEquals("552 5.3.4 Message header too big (over 262144 octets or 1000 fields)",
                    send(c, "news@good.example", "a: b\r\n".repeat(1001) + "From: news@good.example\r\n\r\nx"));
            assertTrue(send(c, "news@good.example", "a: b\r\n".repeat(990) + "From: news@good.example\r\n\r\nx")
                    .startsWith("250 "));
        }
        assertEquals(1, mailboxes.delivered.size());
    }

    @Test
    void aTemporaryErrorUnderPRejectIsDeferredNotAccepted() throws IOException {
        dns.txt.put("_dmarc.flaky.example", "v=DMARC1; p=reject");
        dns.hanging.put("flaky.example", true); // its SPF record never answers: aligned temperror
        authTimeout = 1;
        restart();
        server.dns = dns;
        try (RawClient c = ehlo()) {
            assertEquals("451 4.7.0 Temporary DMARC evaluation failure, try again later",
                    send(c, "a@flaky.example", "From: a@flaky.example\r\n\r\nx"));
        }
        assertEquals(0, mailboxes.delivered.size());
    }

    @Test
    void resultsClaimingThisServerAreRemovedAndOthersKept() throws IOException {
        String message = "Authentication-Results: " + HOSTNAME.toUpperCase(Locale.ROOT) + "; spf=pass\r\n"
                + "Authentication-Results: mx.elsewhere.example; dkim=pass\r\n"
                + "From: news@good.example\r\n"
                + "Authentication-Results: " + HOSTNAME + ";\r\n\tdmarc=pass header.from=bank.example\r\n"
                + "Subject: forged\r\n\r\nAuthentication-Results: " + HOSTNAME + "; in the body stays\r\n";
        try (RawClient c = ehlo()) {
            assertTrue(send(c, "news@good.example", message).startsWith("250 "));
        }
        String stored = lastStored();
        assertFalse(stored.contains("spf=pass\r\n"), stored);
        assertFalse(stored.contains("dmarc=pass header.from=bank.example"), stored);
        assertTrue(stored.contains("Authentication-Results: mx.elsewhere.example; dkim=pass\r\nFrom: news@good.example\r\n"
                + "Subject: forged\r\n\r\nAuthentication-Results: " + HOSTNAME + "; in the body stays\r\n"), stored);
        assertEquals(1, stored.split("Authentication-Results: " + HOSTNAME + ";\r\n", -1).length - 1,
                "only the one this server wrote: " + stored);
        assertEquals(stored.length(), mailboxes.delivered.get(0).size());
    }

    @Test
    void dmarcRejectIsRefusedAtTheEndOfDataAndPipelinedCommandsStillRun() throws IOException {
        try (RawClient c = ehlo()) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<ceo@forged.example>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"));
            assertEquals("354 End data with <CR><LF>.<CR><LF>", c.command("DATA"));
            // the end of DATA and the next transaction in one write (DNS answers at once here;
            // messagesPipelinedBehindOneWhoseChecksAnswerLate... has them wait)
            c.send("From: ceo@forged.example\r\nSubject: wire money\r\n\r\nnow\r\n.\r\n"
                    + "MAIL FROM:<news@good.example>\r\nRCPT TO:<alice@example.net>\r\nDATA\r\n");
            assertEquals("550 5.7.1 Message rejected by the DMARC policy of forged.example: no aligned SPF or DKIM pass",
                    c.reply());
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertEquals("354 End data with <CR><LF>.<CR><LF>", c.reply());
            assertTrue(c.command("From: news@good.example\r\n\r\nfine\r\n.").startsWith("250 2.0.0 Ok"));
        }
        assertEquals(1, mailboxes.delivered.size());
        assertTrue(lastStored().contains("spf=pass"), lastStored());
    }

    /**
     * The checks of the first message answer late; the client has pipelined two more whole
     * messages (BDAT ... LAST) and a NOOP behind its end. Those wait, then run in order once the
     * first is answered, each checked at once (their DNS is at hand) within that one drain.
     */
    @Test
    void messagesPipelinedBehindOneWhoseChecksAnswerLateRunInOrderAfterIt() throws Exception {
        CompletableFuture<DnsAnswer<String>> answer = new CompletableFuture<>();
        dns.late.put("_dmarc.late.example", answer);
        String second = "From: news@good.example\r\n\r\nsecond\r\n";
        String third = "From: news@good.example\r\n\r\nthird\r\n";
        try (RawClient c = ehlo()) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<a@late.example>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"));
            assertEquals("354 End data with <CR><LF>.<CR><LF>", c.command("DATA"));
            c.send("From: a@late.example\r\n\r\nfirst\r\n.\r\n"
                    + "MAIL FROM:<news@good.example>\r\nRCPT TO:<alice@example.net>\r\n"
                    + "BDAT " + second.length() + " LAST\r\n" + second
                    + "MAIL FROM:<news@good.example>\r\nRCPT TO:<bob@example.net>\r\n"
                    + "BDAT " + third.length() + " LAST\r\n" + third
                    + "NOOP\r\n");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!dns.asked.containsKey("_dmarc.late.example") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(dns.asked.containsKey("_dmarc.late.example"), "the first message's DMARC is being looked up");
            assertEquals(0, mailboxes.delivered.size(), "nothing delivered while its checks run");
            answer.complete(DnsAnswer.none(Status.NXDOMAIN, false, 60));
            assertTrue(c.reply().startsWith("250 2.0.0 Ok: queued as "));
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertTrue(c.reply().startsWith("250 2.0.0 Ok: queued as "));
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertTrue(c.reply().startsWith("250 2.0.0 Ok: queued as "));
            assertEquals("250 2.0.0 Ok", c.reply());
        }
        assertEquals(3, mailboxes.delivered.size());
        assertEquals(List.of("acc-alice", "acc-alice", "acc-bob"),
                mailboxes.delivered.stream().map(m -> m.accountId()).toList(), "in the order sent");
        assertTrue(blobs.read(mailboxes.delivered.get(0).body()).contains("first"));
        assertTrue(blobs.read(mailboxes.delivered.get(1).body()).contains("second"));
        assertTrue(blobs.read(mailboxes.delivered.get(2).body()).contains("third"));
    }

    @Test
    void aSecondFromFieldIsRefused() throws IOException {
        try (RawClient c = ehlo()) {
            assertEquals("550 5.7.1 Message rejected: 2 From fields (one From field, one author domain expected)",
                    send(c, "news@good.example", "From: news@good.example\r\nFrom: ceo@forged.example\r\n\r\nx"));
            assertEquals("250 2.0.0 Ok", c.command("NOOP"));
        }
        assertEquals(0, mailboxes.delivered.size());
    }

    @Test
    void withDmarcRejectOffTheFailureIsOnlyRecorded() throws IOException {
        dmarcReject = false;
        restart();
        server.dns = dns;
        try (RawClient c = ehlo()) {
            assertTrue(send(c, "ceo@forged.example", "From: ceo@forged.example\r\n\r\nx").startsWith("250 "));
        }
        assertTrue(lastStored().contains("\tspf=fail"), lastStored());
        assertTrue(lastStored().contains("\tdmarc=fail (p=reject) header.from=forged.example\r\n"), lastStored());
    }

    @Test
    void dnsThatNeverAnswersEndsInTemperrorAndTheMessageIsAccepted() throws IOException {
        authTimeout = 1;
        restart();
        server.dns = dns;
        dns.hanging.put("slow.example", true);
        dns.hanging.put("_dmarc.slow.example", true);
        try (RawClient c = ehlo()) {
            assertTrue(send(c, "a@slow.example", "From: a@slow.example\r\n\r\nx").startsWith("250 "));
        }
        assertTrue(lastStored().contains("\tspf=temperror (timed out) smtp.mailfrom=a@slow.example;\r\n"), lastStored());
        assertTrue(lastStored().contains("\tdmarc=temperror (timed out)\r\n"), lastStored());
    }

    /**
     * Reads are held while the checks run, so a client that leaves then is noticed only after
     * them: the spool file lives at most as long as the checks' deadlines, and the message, whose
     * end of DATA was received, is delivered (as Postfix does after a lost connection at
     * END-OF-MESSAGE; the sender's retry may duplicate it, as with any lost 250).
     */
    @Test
    void aClientLeavingWhileTheChecksRunHoldsItsSpoolFileNoLongerThanTheDeadline() throws Exception {
        authTimeout = 2;
        restart();
        server.dns = dns;
        dns.hanging.put("_dmarc.slow.example", true);
        Path spool = settings().spoolDirectory();
        try (RawClient c = ehlo()) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<a@good.example>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"));
            assertEquals("354 End data with <CR><LF>.<CR><LF>", c.command("DATA"));
            // larger than the in-memory spool: it goes to a file
            c.send("From: a@slow.example\r\n\r\n" + ("x".repeat(998) + "\r\n").repeat(400) + ".\r\n");
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!dns.asked.containsKey("_dmarc.slow.example") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(dns.asked.containsKey("_dmarc.slow.example"), "DATA ended, DMARC is being looked up");
            assertEquals(1, files(spool), "the message waits in its spool file");
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (files(spool) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, files(spool));
        // Whether the message was delivered depends on whether the close was read before the
        // hold (then it is dropped); if it was, it carries the timed-out result.
        assertTrue(mailboxes.delivered.size() <= 1);
        if (!mailboxes.delivered.isEmpty()) {
            assertTrue(lastStored().contains("\tdmarc=temperror (timed out)\r\n"), lastStored());
        }
    }

    private static long files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
