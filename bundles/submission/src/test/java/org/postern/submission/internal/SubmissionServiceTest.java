package org.postern.submission.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.MxRecord;
import org.postern.core.submission.SubmissionException;
import org.postern.core.submission.SubmissionException.Reason;

/** What an account may send, and what the remote server sees of it. */
class SubmissionServiceTest {
    private TestPeers.RemoteMx mx;
    private OutboundQueue queue;
    private SubmissionService submission;

    @BeforeEach
    void start() throws Exception {
        mx = new TestPeers.RemoteMx();
        TestPeers.Blobs blobs = new TestPeers.Blobs();
        TestPeers.Dns dns = new TestPeers.Dns();
        dns.mx.put("remote.test", DnsAnswer.ok(List.of(new MxRecord(10, "mx.remote.test")), false, 60));
        queue = new OutboundQueue(new OutboundSettings("out.postern.test", null, mx.port(), 2, 2, Duration.ofSeconds(1),
                Duration.ofSeconds(2), Duration.ofHours(1), Duration.ZERO, Duration.ofMillis(100), Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(60)));
        queue.repository = new TestPeers.Queue(blobs);
        queue.blobs = blobs;
        queue.mailStore = new TestPeers.Mailboxes(blobs);
        queue.policy = new TestPeers.Policy();
        queue.dns = dns;
        queue.start();
        submission = new SubmissionService("mail.postern.test", 10_000, 3,
                new String[] {"X-Originating-IP, X-Mailer", "User-Agent"}, 5, 8); // as a .cfg file gives them
        submission.queue = queue;
        submission.policy = new TestPeers.Policy();
    }

    @AfterEach
    void stop() throws Exception {
        queue.stop();
        mx.close();
    }

    private String send(String sender, List<String> rcpts, String message) throws SubmissionException {
        return submission.submit("acc-alice", sender, rcpts, new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)),
                "ESMTPSA");
    }

    @Test
    void theRemoteServerSeesNoClientAddressNameOrSoftware() throws Exception {
        String message = "Received: from [192.0.2.7] (laptop.home [192.0.2.7]) by relay; Mon, 1 Dec 2026 10:00:00 +0000\r\n"
                + "From: Alice <alice@local.test>\r\nTo: carol@remote.test\r\nBcc: secret@remote.test\r\n"
                + "X-Originating-IP: [192.0.2.7]\r\nX-Mailer: Outlook 16.0\r\nUser-Agent: Mozilla/5.0 Thunderbird/115\r\n"
                + "Subject: privacy\r\n\r\nBody stays.\r\n";
        send("alice@local.test", List.of("carol@remote.test"), message);
        TestPeers.poll(() -> mx.received.size(), n -> n == 1, 30);
        String got = mx.received.get(0).text();
        String header = got.substring(0, got.indexOf("\r\n\r\n"));
        assertTrue(header.startsWith("Received: by mail.postern.test (Postern) with ESMTPSA id "), header);
        assertFalse(got.contains("192.0.2.7"), got);
        assertFalse(got.contains("laptop.home"), got);
        assertFalse(got.contains("Outlook") || got.contains("Thunderbird"), got);
        assertFalse(got.contains("secret@remote.test"), "Bcc is never passed on");
        assertEquals(1, header.split("Received:", -1).length - 1, "one Received, ours");
        assertTrue(header.contains("\r\nDate: ") && header.contains("\r\nMessage-ID: <"), "added when missing");
        assertTrue(got.endsWith("\r\n\r\nBody stays.\r\n"), got);
    }

    @Test
    void anAccountSendsOnlyAsItsOwnAddresses() {
        String m = "From: alice@local.test\r\nSubject: x\r\n\r\nhi\r\n";
        assertEquals(Reason.SENDER_NOT_ALLOWED,
                assertThrows(SubmissionException.class, () -> send("bob@local.test", List.of("carol@remote.test"), m)).reason());
        assertEquals(Reason.SENDER_NOT_ALLOWED,
                assertThrows(SubmissionException.class, () -> send("ceo@remote.test", List.of("carol@remote.test"), m)).reason());
        assertEquals(Reason.SENDER_NOT_ALLOWED,
                assertThrows(SubmissionException.class, () -> send("", List.of("carol@remote.test"), m)).reason());
        SubmissionException forged = assertThrows(SubmissionException.class, () -> send("alice@local.test",
                List.of("carol@remote.test"), "From: \"Alice\" <alice@local.test>, Bob <bob@local.test>\r\n\r\nhi\r\n"));
        assertEquals(Reason.FROM_NOT_ALLOWED, forged.reason());
        assertEquals("550 5.7.1 From header rejected: not owned by user", forged.reply());
        assertEquals("553 5.7.1 Sender address rejected: not owned by user", new SubmissionException(Reason.SENDER_NOT_ALLOWED).reply());
        for (String field : List.of("Sender", "Resent-From", "Resent-Sender", "sender")) {
            assertEquals(Reason.FROM_NOT_ALLOWED, assertThrows(SubmissionException.class, () -> send("alice@local.test",
                    List.of("carol@remote.test"), "From: alice@local.test\r\n" + field + ": ceo@bank.test\r\n\r\nhi\r\n"))
                    .reason(), field + " shows the reader who sent it");
        }
        assertEquals(Reason.RECIPIENT_UNKNOWN, assertThrows(SubmissionException.class,
                () -> send("alice@local.test", List.of("nobody@local.test"), m)).reason());
    }

    @Test
    void limitsAndSizesAreEnforced() throws Exception {
        String m = "From: alice@local.test\r\n\r\nhi\r\n";
        assertEquals(Reason.TOO_MANY_RECIPIENTS, assertThrows(SubmissionException.class, () -> send("alice@local.test",
                List.of("a@remote.test", "b@remote.test", "c@remote.test", "d@remote.test"), m)).reason());
        assertEquals(Reason.TOO_BIG, assertThrows(SubmissionException.class,
                () -> send("alice@local.test", List.of("a@remote.test"), m + "x".repeat(20_000))).reason());
        assertEquals(Reason.MALFORMED, assertThrows(SubmissionException.class,
                () -> send("alice@local.test", List.of("a@remote.test"), "no header at all")).reason());
        // 8 recipients a day: 3 + 3 pass, the next 3 are over
        send("alice@local.test", List.of("a@remote.test", "b@remote.test", "c@remote.test"), m);
        send("alice@local.test", List.of("a@remote.test", "b@remote.test", "c@remote.test"), m);
        assertEquals(Reason.TOO_MANY_RECIPIENTS, assertThrows(SubmissionException.class, () -> send("alice@local.test",
                List.of("a@remote.test", "b@remote.test", "c@remote.test"), m)).reason());
        // 5 messages an hour (bob, a fresh window): 5 pass, the 6th waits
        String b = "From: bob@local.test\r\n\r\nhi\r\n";
        for (int i = 0; i < 5; i++) {
            submission.submit("acc-bob", "bob@local.test", List.of("a@remote.test"),
                    new ByteArrayInputStream(b.getBytes(StandardCharsets.UTF_8)), "ESMTPSA");
        }
        assertEquals(Reason.RATE_LIMITED, assertThrows(SubmissionException.class, () -> submission.submit("acc-bob",
                "bob@local.test", List.of("a@remote.test"), new ByteArrayInputStream(b.getBytes(StandardCharsets.UTF_8)),
                "ESMTPSA")).reason());
    }

    @Test
    void fromHeaderAddressesAreFoundInEveryForm() {
        assertEquals(List.of("a@x.test"), HeaderRewrite.addresses(" a@x.test"));
        assertEquals(List.of("a@x.test"), HeaderRewrite.addresses(" Alice Smith <a@x.test>"));
        assertEquals(List.of("a@x.test", "b@y.test"), HeaderRewrite.addresses("\"Smith, A\" <a@x.test>, b@y.test (Bob)"));
        assertEquals(List.of("a@x.test", "b@y.test"), HeaderRewrite.addresses("team: a@x.test, <b@y.test>;"));
        assertEquals(List.of("b@y.test"), HeaderRewrite.addresses("\"<a@x.test>\" <b@y.test>"), "a quoted name is no address");
        assertEquals(List.of("b@y.test"), HeaderRewrite.addresses("(a@x.test) b@y.test"), "nor a comment");
    }
}
