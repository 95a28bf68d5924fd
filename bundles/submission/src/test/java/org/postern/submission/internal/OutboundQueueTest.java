package org.postern.submission.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.postern.core.store.OutboundRepository.QueuedMessage;
import org.postern.core.store.OutboundRepository.RecipientState;

/** The queue against a remote MX on a real socket: delivery, retries, bounces, local recipients. */
class OutboundQueueTest {
    private TestPeers.RemoteMx mx;
    private TestPeers.Blobs blobs;
    private TestPeers.Queue rows;
    private TestPeers.Mailboxes mailboxes;
    private TestPeers.Dns dns;
    private OutboundQueue queue;

    private static final String MESSAGE = "From: alice@local.test\r\nTo: carol@remote.test\r\nSubject: hi\r\n\r\n"
            + "Hello Carol.\r\n.a line starting with a dot\r\n.\r\nlast line\r\n";

    @BeforeEach
    void start() throws Exception {
        mx = new TestPeers.RemoteMx();
        blobs = new TestPeers.Blobs();
        rows = new TestPeers.Queue(blobs);
        mailboxes = new TestPeers.Mailboxes(blobs);
        dns = new TestPeers.Dns();
        dns.mx.put("remote.test", DnsAnswer.ok(List.of(new MxRecord(10, "mx.remote.test.")), false, 60));
        queue = start(Duration.ofHours(1));
    }

    private OutboundQueue start(Duration lifetime) {
        OutboundQueue q = new OutboundQueue(new OutboundSettings("postern.test", null, mx.port(), 2, 2,
                Duration.ofMillis(500), Duration.ofSeconds(1), lifetime, Duration.ZERO, Duration.ofMillis(100),
                Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(60)));
        q.repository = rows;
        q.blobs = blobs;
        q.mailStore = mailboxes;
        q.policy = new TestPeers.Policy();
        q.dns = dns;
        q.start();
        return q;
    }

    @AfterEach
    void stop() throws Exception {
        queue.stop();
        mx.close();
    }

    private String submit(String sender, List<String> recipients, String message) throws Exception {
        return queue.submit("acc-alice", sender, recipients,
                new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aRemoteRecipientGetsTheMessageOctetForOctetThroughItsMx() throws Exception {
        submit("alice@local.test", List.of("carol@remote.test", "dan@remote.test"), MESSAGE);
        TestPeers.poll(() -> mx.received.size(), n -> n == 1, 30);
        TestPeers.RemoteMx.Received r = mx.received.get(0);
        assertEquals("alice@local.test", r.sender());
        assertEquals(List.of("carol@remote.test", "dan@remote.test"), r.recipients(), "one transaction for the domain");
        assertEquals(MESSAGE, r.text(), "dot-stuffed on the wire, identical after");
        TestPeers.poll(() -> rows.count(), n -> n == 0, 30);
        assertTrue(blobs.blobs.isEmpty(), "the body leaves with the last recipient");
    }

    @Test
    void aTemporaryFailureIsRetriedUntilItSucceeds() throws Exception {
        mx.dataReply = "451 4.3.0 Queue full, try later";
        String id = submit("alice@local.test", List.of("carol@remote.test"), MESSAGE);
        QueuedMessage after = TestPeers.poll(() -> rows.find(id).orElse(null), m -> m != null && m.attempts() >= 1, 30);
        assertEquals(RecipientState.PENDING, after.recipients().get(0).state());
        assertTrue(after.recipients().get(0).lastReply().contains("451 4.3.0 Queue full"),
                after.recipients().get(0).lastReply());
        assertTrue(after.nextAttempt().isAfter(after.created()), "the next attempt waits");
        mx.dataReply = "250 2.0.0 Ok: queued";
        TestPeers.poll(() -> mx.received.size(), n -> n == 1, 30);
        TestPeers.poll(() -> rows.count(), n -> n == 0, 30);
        assertTrue(mailboxes.of("acc-alice").isEmpty(), "no bounce for a message delivered in the end");
    }

    @Test
    void aPermanentFailureBouncesAtOnceWithAPlainTextDsnAndTheOthersAreDelivered() throws Exception {
        String id = submit("alice@local.test", List.of("perm-gone@remote.test", "carol@remote.test"), MESSAGE);
        TestPeers.poll(() -> mailboxes.of("acc-alice").size(), n -> n == 1, 30);
        String dsn = mailboxes.of("acc-alice").get(0);
        assertTrue(dsn.contains("Content-Type: multipart/report; report-type=delivery-status"), dsn);
        assertTrue(dsn.contains("Final-Recipient: rfc822; perm-gone@remote.test"), dsn);
        assertTrue(dsn.contains("Status: 5.1.1"), dsn);
        assertTrue(dsn.contains("User unknown in virtual mailbox table"), "the remote reply is passed on");
        assertTrue(dsn.contains("Subject: hi"), "the original header is attached");
        assertFalse(dsn.contains("Hello Carol"), "the original body is not");
        assertFalse(dsn.contains("http"), "no links");
        assertFalse(dsn.contains("carol@remote.test\r\n    "), "only the failed recipient is reported");
        assertEquals(List.of("carol@remote.test"), mx.received.get(0).recipients());
        TestPeers.poll(() -> rows.count(), n -> n == 0, 30);
        assertTrue(rows.find(id).isEmpty());
    }

    @Test
    void localRecipientsAreDeliveredToTheirMailboxAndUnknownOnesBounce() throws Exception {
        submit("alice@local.test", List.of("bob@local.test", "nobody@local.test"), MESSAGE);
        TestPeers.poll(() -> mailboxes.of("acc-bob").size(), n -> n == 1, 30);
        assertEquals(MESSAGE, mailboxes.of("acc-bob").get(0));
        TestPeers.poll(() -> mailboxes.of("acc-alice").size(), n -> n == 1, 30);
        assertTrue(mailboxes.of("acc-alice").get(0).contains("Final-Recipient: rfc822; nobody@local.test"));
        assertTrue(mx.transcript.isEmpty(), "no remote server was asked");
    }

    @Test
    void aDomainWithANullMxOrNoDomainAtAllFailsAtOnce() throws Exception {
        dns.mx.put("nomail.test", DnsAnswer.ok(List.of(new MxRecord(0, ".")), false, 60));
        submit("alice@local.test", List.of("x@nomail.test", "y@does-not-exist.test"), MESSAGE);
        TestPeers.poll(() -> mailboxes.of("acc-alice").size(), n -> n >= 1, 30);
        String all = String.join("\n", mailboxes.of("acc-alice"));
        TestPeers.poll(() -> String.join("\n", mailboxes.of("acc-alice")),
                s -> s.contains("x@nomail.test") && s.contains("y@does-not-exist.test"), 30);
        all = String.join("\n", mailboxes.of("acc-alice"));
        assertTrue(all.contains("Status: 5.1.10"), all);
        assertTrue(all.contains("Status: 5.1.2"), all);
    }

    @Test
    void aServerThatTalksGarbageOrCannotBeReachedLeavesTheMessageQueued() throws Exception {
        mx.garbage = true;
        String id = submit("alice@local.test", List.of("carol@remote.test"), MESSAGE);
        QueuedMessage m = TestPeers.poll(() -> rows.find(id).orElse(null), x -> x != null && x.attempts() >= 1, 30);
        assertEquals(RecipientState.PENDING, m.recipients().get(0).state());
        assertTrue(m.recipients().get(0).lastReply().contains("malformed reply"), m.recipients().get(0).lastReply());
        dns.mx.put("remote.test", DnsAnswer.ok(List.of(new MxRecord(10, "mx.remote.test.")), false, 60));
        mx.close(); // now nobody listens there
        QueuedMessage later = TestPeers.poll(() -> rows.find(id).orElse(null), x -> x != null && x.attempts() >= 2, 30);
        assertTrue(later.recipients().get(0).lastReply().contains("cannot connect"), later.attempts() + " " + later.recipients().get(0).attempts() + " " + later.recipients().get(0).lastReply());
        assertTrue(mailboxes.of("acc-alice").isEmpty(), "no bounce for a temporary failure");
    }

    @Test
    void pastTheQueueLifetimeATemporaryFailureBounces() throws Exception {
        queue.stop();
        queue = start(Duration.ofMillis(1500));
        mx.dataReply = "452 4.2.2 Mailbox full";
        submit("alice@local.test", List.of("carol@remote.test"), MESSAGE);
        TestPeers.poll(() -> mailboxes.of("acc-alice").size(), n -> n == 1, 30);
        String dsn = mailboxes.of("acc-alice").get(0);
        assertTrue(dsn.contains("Status: 4.4.7") || dsn.contains("Status: 5.4.7"), dsn);
        assertTrue(dsn.contains("Mailbox full"), "the last reply is told");
        TestPeers.poll(() -> rows.count(), n -> n == 0, 30);
    }

    @Test
    void theNullSenderNeverGetsABounce() throws Exception {
        submit("", List.of("perm-x@remote.test"), MESSAGE);
        TestPeers.poll(() -> rows.count(), n -> n == 0, 30);
        Thread.sleep(300);
        assertEquals(0, rows.count(), "no DSN about a DSN");
    }

    @Test
    void aSmartHostWrittenAsAnAddressIsReachedWithoutDns() throws Exception {
        queue.stop();
        dns.mx.clear(); // nothing resolves: only the literal can work
        queue = new OutboundQueue(new OutboundSettings("postern.test", new RemoteDelivery.Route("127.0.0.1", mx.port()),
                25, 2, 2, Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofHours(1), Duration.ZERO,
                Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(5),
                Duration.ofSeconds(60)));
        queue.repository = rows;
        queue.blobs = blobs;
        queue.mailStore = mailboxes;
        queue.policy = new TestPeers.Policy();
        queue.dns = new TestPeers.Dns() {
            @Override
            public java.util.concurrent.CompletionStage<DnsAnswer<java.net.InetAddress>> a(String name) {
                return java.util.concurrent.CompletableFuture.completedFuture(
                        DnsAnswer.none(DnsAnswer.Status.NXDOMAIN, false, 60));
            }
        };
        queue.start();
        submit("alice@local.test", List.of("carol@nowhere.test"), MESSAGE);
        TestPeers.poll(() -> mx.received.size(), n -> n == 1, 30);
        assertEquals(null, RemoteDelivery.literal("mx.example.org"));
        assertEquals("::1", RemoteDelivery.literal("::1").getHostAddress().replace("0:0:0:0:0:0:0:1", "::1"));
    }

    @Test
    void backoffDoublesUpToItsCeiling() {
        assertEquals(Duration.ofMillis(0).plusSeconds(0), Duration.ZERO);
        OutboundQueue q = new OutboundQueue(new OutboundSettings("h", null, 25, 1, 1, Duration.ofSeconds(300),
                Duration.ofSeconds(4000), Duration.ofDays(5), Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(60)));
        assertEquals(Duration.ofSeconds(300), q.backoff(0));
        assertEquals(Duration.ofSeconds(600), q.backoff(1));
        assertEquals(Duration.ofSeconds(2400), q.backoff(3));
        assertEquals(Duration.ofSeconds(4000), q.backoff(4));
        assertEquals(Duration.ofSeconds(4000), q.backoff(1000));
    }
}
