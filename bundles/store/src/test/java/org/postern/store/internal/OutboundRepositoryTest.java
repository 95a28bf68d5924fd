package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;
import org.postern.api.mail.AccountGoneException;
import org.postern.api.store.BlobId;
import org.postern.core.store.AccountRecord;
import org.postern.core.store.DuplicateKeyException;
import org.postern.core.store.OutboundRepository.NewMessage;
import org.postern.core.store.OutboundRepository.Outcome;
import org.postern.core.store.OutboundRepository.QueuedMessage;
import org.postern.core.store.OutboundRepository.Recipient;
import org.postern.core.store.OutboundRepository.RecipientState;

/**
 * The outbound queue against a real database: each subclass names the engine (embedded Derby,
 * PostgreSQL), and every test here runs on both.
 */
abstract class OutboundRepositoryTest {
    private static final String ALICE = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    private static final String BOB = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
    /** The clock that dates attempts: a millisecond in it survives the round trip. */
    private static final Instant NOW = Instant.parse("2025-03-04T05:06:07.891Z");
    private static final Duration LEASE = Duration.ofMinutes(5);

    @TempDir
    Path dataDir;

    private TestDatabase testDb;
    private Database db;
    private JdbcAccountRepository accounts;
    private JdbcOutboundRepository queue;
    private final List<Database> otherNodes = new ArrayList<>();

    abstract TestDatabase.Engine engine();

    @BeforeEach
    void open() {
        testDb = TestDatabase.create(engine(), dataDir);
        db = testDb.open();
        accounts = new JdbcAccountRepository(db);
        new JdbcDomainRepository(db).insertServiceDomain("example.net");
        accounts.insert(new AccountRecord(ALICE, MailAddress.parse("alice@example.net"), AccountStatus.ACTIVE,
                "$argon2id$x", NOW, LocalDate.of(2031, 1, 1)));
        accounts.insert(new AccountRecord(BOB, MailAddress.parse("bob@example.net"), AccountStatus.ACTIVE,
                "$argon2id$x", NOW, LocalDate.of(2031, 1, 1)));
        queue = new JdbcOutboundRepository(db, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void close() {
        try {
            for (Database other : otherNodes) {
                other.close();
            }
            if (db != null) {
                db.close();
            }
        } finally {
            if (testDb != null) { // null when the PostgreSQL half was skipped
                testDb.close();
            }
        }
    }

    /**
     * A second node's view of the queue: on PostgreSQL a store of its own (its own data
     * directory and connection pool) on the same database, as a second machine would have; on
     * embedded Derby, which one process owns, the same store (every operation has a connection
     * of its own there).
     */
    private JdbcOutboundRepository secondNode() {
        if (engine() == TestDatabase.Engine.DERBY) {
            return new JdbcOutboundRepository(db, Clock.fixed(NOW, ZoneOffset.UTC));
        }
        StoreTestSupport.useDataDirectory(dataDir.resolve("node2"));
        try {
            Database other = new Database(testDb.factory(), testDb.config(Map.of()), Map.of());
            otherNodes.add(other);
            return new JdbcOutboundRepository(other, Clock.fixed(NOW, ZoneOffset.UTC));
        } finally {
            StoreTestSupport.useDataDirectory(dataDir);
        }
    }

    // ---- helpers ----

    private static String id(int n) {
        return String.format("%032x", n);
    }

    private static BlobId blob(int n) {
        return BlobId.of(String.format("b%031x", n));
    }

    private static NewMessage message(int n, String account, Instant due, String... recipients) {
        return new NewMessage(id(n), account, account == null ? "" : "alice@example.net", blob(n), 1000 + n,
                NOW.minus(Duration.ofHours(1)), due, NOW.plus(Duration.ofDays(5)), List.of(recipients));
    }

    private static NewMessage due(int n, Duration ago) {
        return message(n, ALICE, NOW.minus(ago), "carol@example.org");
    }

    private long rows(String sql) {
        return db.queryOne(sql, ps -> { }, rs -> rs.getLong(1)).orElseThrow();
    }

    private static List<String> ids(List<QueuedMessage> messages) {
        return messages.stream().map(QueuedMessage::id).toList();
    }

    private List<QueuedMessage> claim(String owner, Instant now, int limit) {
        return queue.claimDue(owner, now, now.plus(LEASE), limit);
    }

    private QueuedMessage only(String id) {
        return queue.find(id).orElseThrow();
    }

    // ---- enqueue, find, list, count ----

    @Test
    void aQueuedMessageIsFoundWithEverythingItWasGiven() {
        NewMessage m = message(1, ALICE, NOW.plusSeconds(30), "carol@example.org", "dave@example.com",
                "erin@example.org");
        queue.enqueue(m);

        QueuedMessage q = only(id(1));
        assertEquals(id(1), q.id());
        assertEquals(ALICE, q.accountId());
        assertEquals("alice@example.net", q.sender());
        assertEquals(blob(1), q.blob());
        assertEquals(1001, q.size());
        assertEquals(m.created(), q.created());
        assertEquals(m.notBefore(), q.nextAttempt());
        assertEquals(m.expires(), q.expires());
        assertEquals(0, q.attempts());
        assertNull(q.leaseOwner());
        assertNull(q.leaseUntil());
        assertEquals(List.of(new Recipient(0, "carol@example.org", RecipientState.PENDING, 0, null, null),
                new Recipient(1, "dave@example.com", RecipientState.PENDING, 0, null, null),
                new Recipient(2, "erin@example.org", RecipientState.PENDING, 0, null, null)), q.recipients());
    }

    @Test
    void theServicesOwnMailHasNoAccountAndTheNullSender() {
        queue.enqueue(message(2, null, NOW, "alice@example.net"));
        QueuedMessage q = only(id(2));
        assertNull(q.accountId());
        assertEquals("", q.sender(), "the null reverse-path stays empty, not NULL");
    }

    @Test
    void listIsByNextAttemptThenIdAndCountCountsMessages() {
        queue.enqueue(message(5, ALICE, NOW.plusSeconds(60), "x@example.org"));
        queue.enqueue(message(4, BOB, NOW.plusSeconds(10), "y@example.org", "z@example.org"));
        queue.enqueue(message(3, null, NOW.plusSeconds(60), "alice@example.net"));
        queue.enqueue(message(6, ALICE, NOW.minusSeconds(60), "x@example.org"));

        assertEquals(4, queue.count());
        assertEquals(List.of(id(6), id(4), id(3), id(5)), ids(queue.list(10)));
        assertEquals(List.of(id(6), id(4)), ids(queue.list(2)));
        assertEquals(List.of(), queue.list(0));
        assertEquals(2, queue.list(10).get(1).recipients().size(), "each with its recipients");
    }

    @Test
    void unknownOrMalformedIdsFindNothing() {
        queue.enqueue(message(1, ALICE, NOW, "x@example.org"));
        assertTrue(queue.find(id(2)).isEmpty());
        assertTrue(queue.find("not-an-id").isEmpty());
        assertTrue(queue.find(null).isEmpty());
        assertEquals(1, queue.count());
    }

    @Test
    void aThousandRecipientsRoundTripInOrder() {
        List<String> many = IntStream.range(0, 1000).mapToObj(i -> "r" + i + "@example.org").toList();
        queue.enqueue(message(7, ALICE, NOW, many.toArray(String[]::new)));
        List<Recipient> read = only(id(7)).recipients();
        assertEquals(many, read.stream().map(Recipient::address).toList());
        assertEquals(IntStream.range(0, 1000).boxed().toList(), read.stream().map(Recipient::position).toList());
    }

    @Test
    void malformedMessagesAreRefusedBeforeTheDatabase() {
        assertThrows(IllegalArgumentException.class, () -> queue.enqueue(message(1, ALICE, NOW)), "no recipients");
        assertThrows(IllegalArgumentException.class,
                () -> queue.enqueue(message(1, ALICE, NOW, "x@example.org", "x@example.org")), "a duplicate");
        String[] tooMany = IntStream.range(0, 1001).mapToObj(i -> "r" + i + "@example.org").toArray(String[]::new);
        assertThrows(IllegalArgumentException.class, () -> queue.enqueue(message(1, ALICE, NOW, tooMany)));
        assertThrows(IllegalArgumentException.class, () -> queue.enqueue(new NewMessage("ABC", ALICE, "", blob(1), 1,
                NOW, NOW, NOW, List.of("x@example.org"))), "not an id");
        String longAddress = "x".repeat(JdbcOutboundRepository.ADDRESS_MAX - 11) + "@example.org"; // 321
        assertThrows(IllegalArgumentException.class, () -> queue.enqueue(message(1, ALICE, NOW, longAddress)));
        assertEquals(0, queue.count());
    }

    @Test
    void anIdIsQueuedOnce() {
        queue.enqueue(message(1, ALICE, NOW, "x@example.org"));
        assertThrows(DuplicateKeyException.class, () -> queue.enqueue(message(1, BOB, NOW, "y@example.org")));
        assertEquals(List.of("x@example.org"), only(id(1)).recipients().stream().map(Recipient::address).toList());
    }

    // ---- account removal ----

    @Test
    void aRemovedAccountQueuesNothingAndItsQueuedMailIsDeletedWithIt() {
        queue.enqueue(message(1, ALICE, NOW, "x@example.org"));
        queue.enqueue(message(2, BOB, NOW, "y@example.org"));
        queue.enqueue(message(3, null, NOW, "alice@example.net"));

        assertTrue(accounts.markRemoved(ALICE));
        assertEquals(List.of(id(3), id(2)).stream().sorted().toList(), ids(queue.list(10)).stream().sorted().toList());
        assertEquals(0, rows("SELECT COUNT(*) FROM outbound_recipient WHERE message_id = '" + id(1) + "'"));
        assertEquals(1, rows("SELECT COUNT(*) FROM pending_blob_deletion WHERE blob_id = '" + blob(1).value()
                + "' AND reason = 'account-removed'"), "its body recorded in the removal's transaction");

        AccountGoneException e = assertThrows(AccountGoneException.class,
                () -> queue.enqueue(message(4, ALICE, NOW, "x@example.org")));
        assertEquals(ALICE, e.accountId());
        assertThrows(AccountGoneException.class,
                () -> queue.enqueue(message(5, "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", NOW, "x@example.org")),
                "an unknown account too");
        assertEquals(2, queue.count());
    }

    // ---- claims ----

    @Test
    void claimDueLeasesOnlyDueUnleasedMessagesOldestFirstUpToTheLimit() {
        queue.enqueue(due(1, Duration.ofMinutes(1)));
        queue.enqueue(due(2, Duration.ofMinutes(3)));
        queue.enqueue(message(3, ALICE, NOW.plus(Duration.ofHours(1)), "carol@example.org")); // not yet due
        queue.enqueue(due(4, Duration.ofMinutes(2)));
        queue.enqueue(due(5, Duration.ZERO)); // due exactly now

        List<QueuedMessage> first = claim("node-a/1", NOW, 2);
        assertEquals(List.of(id(2), id(4)), ids(first), "oldest due first, no more than the limit");
        for (QueuedMessage q : first) {
            assertEquals("node-a/1", q.leaseOwner());
            assertEquals(NOW.plus(LEASE), q.leaseUntil());
            assertEquals(1, q.recipients().size(), "with its recipients");
        }
        assertEquals("node-a/1", only(id(2)).leaseOwner(), "stored");

        assertEquals(List.of(id(1), id(5)), ids(claim("node-b/1", NOW, 10)), "the held ones are not offered again");
        assertEquals(List.of(), claim("node-c/1", NOW.plusSeconds(1), 10), "all due ones are held, the rest not due");
        assertEquals(List.of(), claim("node-c/1", NOW, 0));

        // Once the leases have expired and the last one is due, a claim takes all five.
        Instant later = NOW.plus(Duration.ofHours(1));
        assertEquals(List.of(id(2), id(4), id(1), id(5), id(3)), ids(claim("node-c/1", later, 10)));
    }

    @Test
    void newMailIsClaimedBeforeABacklogOfRetries() {
        for (int i = 1; i <= 5; i++) {
            queue.enqueue(due(i, Duration.ofHours(2)));
        }
        for (QueuedMessage q : claim("node-a/1", NOW, 5)) {
            assertTrue(queue.recordAttempt(q.id(), "node-a/1", List.of(new Outcome(0, RecipientState.PENDING,
                    "4.4.1 connection refused")), NOW.minus(Duration.ofHours(1))));
        }
        queue.enqueue(due(6, Duration.ofMinutes(1))); // new, due later than every retry
        assertEquals(List.of(id(6)), ids(claim("node-b/1", NOW, 1)), "the new message goes first");
        assertEquals(List.of(id(1), id(2)), ids(claim("node-b/1", NOW, 2)), "then the retries, oldest due first");
        queue.enqueue(due(7, Duration.ofMinutes(1)));
        queue.enqueue(due(8, Duration.ofMinutes(2)));
        assertEquals(List.of(id(8), id(7), id(3)), ids(claim("node-c/1", NOW, 3)),
                "new ones oldest due first, and retries fill what is left");
    }

    @Test
    void aLeaseMustEndAfterNowAndNameAnOwner() {
        assertThrows(IllegalArgumentException.class, () -> queue.claimDue("node-a", NOW, NOW, 1));
        assertThrows(IllegalArgumentException.class, () -> queue.claimDue("", NOW, NOW.plusSeconds(1), 1));
        assertThrows(IllegalArgumentException.class, () -> queue.claimDue("x".repeat(65), NOW, NOW.plusSeconds(1), 1));
    }

    @Test
    void twoNodesRacingForTheQueueNeverClaimOneMessageTwice() throws Exception {
        int messages = 150;
        for (int i = 1; i <= messages; i++) {
            queue.enqueue(due(i, Duration.ofSeconds(i % 7)));
        }
        List<JdbcOutboundRepository> nodes = List.of(queue, secondNode());
        int workers = 4; // two per node, each claim and each read on a connection of its own
        CyclicBarrier start = new CyclicBarrier(workers);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        List<Future<List<String>>> runs = new ArrayList<>();
        try {
            for (int w = 0; w < workers; w++) {
                JdbcOutboundRepository node = nodes.get(w % 2);
                String owner = "node-" + (w % 2) + "/worker-" + w;
                runs.add(pool.submit(() -> {
                    List<String> mine = new ArrayList<>();
                    start.await();
                    for (List<QueuedMessage> got = node.claimDue(owner, NOW, NOW.plus(LEASE), 4); !got.isEmpty();
                            got = node.claimDue(owner, NOW, NOW.plus(LEASE), 4)) {
                        for (QueuedMessage q : got) {
                            assertEquals(owner, q.leaseOwner());
                            mine.add(q.id());
                        }
                    }
                    return mine;
                }));
            }
            List<String> all = new ArrayList<>();
            for (Future<List<String>> run : runs) {
                all.addAll(run.get(120, TimeUnit.SECONDS));
            }
            Set<String> distinct = new HashSet<>(all);
            assertEquals(all.size(), distinct.size(), "a message claimed twice: " + duplicates(all));
            assertEquals(IntStream.rangeClosed(1, messages).mapToObj(OutboundRepositoryTest::id)
                    .collect(Collectors.toSet()), distinct, "every due message claimed by somebody");
        } finally {
            pool.shutdownNow();
        }
        for (int w = 0; w < workers; w++) {
            String owner = "node-" + (w % 2) + "/worker-" + w;
            assertEquals(runs.get(w).get().size(),
                    rows("SELECT COUNT(*) FROM outbound_message WHERE lease_owner = '" + owner + "'"),
                    "what each worker was told it holds is what the table says");
        }
    }

    /**
     * What a busy queue does: submitters queue mail while workers claim it and record its
     * delivery, which takes the message out. Each finishing transaction deletes a message and its
     * recipients; none may wait on another's (on Derby a cascaded delete once locked the whole
     * recipient table, and concurrent finishers deadlocked in a cycle broken only after Derby's
     * 20-second deadlock timeout: 1.7 messages/s in the benchmark).
     */
    @Test
    void queueingAndFinishingConcurrentlyNeverDeadlocks() throws Exception {
        int submitters = 4;
        int perSubmitter = 60;
        int workers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(submitters + workers);
        CyclicBarrier start = new CyclicBarrier(submitters + workers);
        java.util.concurrent.atomic.AtomicInteger finished = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
        int total = submitters * perSubmitter;
        List<Future<?>> runs = new ArrayList<>();
        try {
            for (int s = 0; s < submitters; s++) {
                int base = s * perSubmitter;
                runs.add(pool.submit(() -> {
                    start.await();
                    for (int i = 1; i <= perSubmitter; i++) {
                        queue.enqueue(message(base + i, ALICE, NOW, "carol@example.org", "dave@example.org"));
                        queued.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (int w = 0; w < workers; w++) {
                String owner = "node-a/worker-" + w;
                runs.add(pool.submit(() -> {
                    start.await();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    while (finished.get() < total && System.nanoTime() < deadline) {
                        List<QueuedMessage> got = claim(owner, NOW, 2);
                        if (got.isEmpty()) {
                            Thread.sleep(5);
                        }
                        for (QueuedMessage q : got) {
                            assertTrue(queue.recordAttempt(q.id(), owner, List.of(
                                    new Outcome(0, RecipientState.DELIVERED, "250 ok"),
                                    new Outcome(1, RecipientState.DELIVERED, "250 ok")), null));
                            finished.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get(180, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(total, queued.get());
        assertEquals(total, finished.get(), "every queued message sent once");
        assertEquals(0, queue.count());
        assertEquals(0, rows("SELECT COUNT(*) FROM outbound_recipient"));
        assertEquals(total, rows("SELECT COUNT(*) FROM pending_blob_deletion WHERE reason = 'outbound-done'"));
    }

    private static List<String> duplicates(List<String> all) {
        List<String> copy = new ArrayList<>(all);
        for (String s : new HashSet<>(all)) {
            copy.remove(s);
        }
        Collections.sort(copy);
        return copy;
    }

    @Test
    void anExpiredLeaseIsTakenByAnotherOwnerAndTheFirstOneLosesIt() {
        queue.enqueue(message(1, ALICE, NOW, "carol@example.org", "dave@example.org"));
        assertEquals(List.of(id(1)), ids(queue.claimDue("node-a/1", NOW, NOW.plusSeconds(60), 10)));
        assertEquals(List.of(), queue.claimDue("node-b/1", NOW.plusSeconds(59), NOW.plusSeconds(120), 10),
                "still held");

        JdbcOutboundRepository b = secondNode();
        Instant later = NOW.plusSeconds(61);
        assertEquals(List.of(id(1)), ids(b.claimDue("node-b/1", later, later.plus(LEASE), 10)), "expired: taken");

        assertFalse(queue.renew(id(1), "node-a/1", later.plus(LEASE)));
        assertFalse(queue.recordAttempt(id(1), "node-a/1",
                List.of(new Outcome(0, RecipientState.DELIVERED, "250 ok")), later.plusSeconds(600)));
        QueuedMessage q = only(id(1));
        assertEquals("node-b/1", q.leaseOwner(), "node a changed nothing");
        assertEquals(later.plus(LEASE), q.leaseUntil());
        assertEquals(0, q.attempts());
        assertEquals(NOW, q.nextAttempt());
        assertTrue(q.recipients().stream().allMatch(r -> r.state() == RecipientState.PENDING && r.attempts() == 0));

        assertTrue(b.renew(id(1), "node-b/1", later.plus(LEASE).plus(LEASE)), "the holder renews");
        assertEquals(later.plus(LEASE).plus(LEASE), only(id(1)).leaseUntil());
        assertTrue(b.recordAttempt(id(1), "node-b/1",
                List.of(new Outcome(1, RecipientState.PENDING, "451 later")), later.plusSeconds(600)));
    }

    @Test
    void aLeaseThatExpiredButNobodyTookIsStillItsOwners() {
        queue.enqueue(message(1, ALICE, NOW, "carol@example.org"));
        queue.claimDue("node-a/1", NOW, NOW.plusSeconds(60), 1);
        assertTrue(queue.renew(id(1), "node-a/1", NOW.plusSeconds(600)), "nobody else can be sending it");
        assertEquals(List.of(), claim("node-b/1", NOW.plusSeconds(120), 1), "renewed: not offered");
        assertFalse(queue.renew(id(1), "node-b/1", NOW.plusSeconds(900)), "not another owner's to renew");
        assertFalse(queue.renew(id(2), "node-a/1", NOW.plusSeconds(900)), "no such message");
    }

    // ---- attempts ----

    @Test
    void mixedOutcomesKeepTheMessageForItsPendingRecipientsAndTheLastOneTakesItOut() {
        queue.enqueue(message(1, ALICE, NOW, "carol@example.org", "dave@example.org", "erin@example.org"));
        claim("node-a/1", NOW, 1);
        Instant retry = NOW.plus(Duration.ofMinutes(15));
        assertTrue(queue.recordAttempt(id(1), "node-a/1", List.of(
                new Outcome(0, RecipientState.DELIVERED, "250 2.0.0 ok"),
                new Outcome(1, RecipientState.PENDING, "451 4.7.1 greylisted"),
                new Outcome(2, RecipientState.FAILED, "550 5.1.1 no such user")), retry));

        QueuedMessage q = only(id(1));
        assertEquals(1, q.attempts());
        assertEquals(retry, q.nextAttempt());
        assertNull(q.leaseOwner(), "released");
        assertNull(q.leaseUntil());
        assertEquals(List.of(new Recipient(0, "carol@example.org", RecipientState.DELIVERED, 1, NOW, "250 2.0.0 ok"),
                new Recipient(1, "dave@example.org", RecipientState.PENDING, 1, NOW, "451 4.7.1 greylisted"),
                new Recipient(2, "erin@example.org", RecipientState.FAILED, 1, NOW, "550 5.1.1 no such user")),
                q.recipients());
        assertFalse(queue.recordAttempt(id(1), "node-a/1", List.of(), retry), "released: no second record");
        assertEquals(List.of(), claim("node-a/2", retry.minusMillis(1), 1), "not due before the next attempt");

        List<QueuedMessage> again = claim("node-a/2", retry, 1);
        assertEquals(List.of(id(1)), ids(again));
        assertTrue(queue.recordAttempt(id(1), "node-a/2",
                List.of(new Outcome(1, RecipientState.DELIVERED, "250 ok")), retry.plus(Duration.ofHours(1))));

        assertTrue(queue.find(id(1)).isEmpty(), "no recipient pending: the message left the queue");
        assertEquals(0, queue.count());
        assertEquals(0, rows("SELECT COUNT(*) FROM outbound_recipient"));
        assertEquals(1, rows("SELECT COUNT(*) FROM pending_blob_deletion WHERE blob_id = '" + blob(1).value()
                + "' AND reason = 'outbound-done'"), "its body recorded for deletion");
    }

    @Test
    void recipientsNotNamedAndFinalOnesAreLeftAlone() {
        queue.enqueue(message(1, ALICE, NOW, "carol@example.org", "dave@example.org", "erin@example.org"));
        claim("node-a/1", NOW, 1);
        queue.recordAttempt(id(1), "node-a/1", List.of(new Outcome(0, RecipientState.DELIVERED, "250 ok"),
                new Outcome(1, RecipientState.PENDING, "451 later")), NOW.plusSeconds(60));
        claim("node-a/1", NOW.plusSeconds(60), 1);
        queue.recordAttempt(id(1), "node-a/1", List.of(new Outcome(0, RecipientState.PENDING, "451 once more?"),
                new Outcome(1, RecipientState.PENDING, "451 still later")), NOW.plusSeconds(120));

        List<Recipient> r = only(id(1)).recipients();
        assertEquals(new Recipient(0, "carol@example.org", RecipientState.DELIVERED, 1, NOW, "250 ok"), r.get(0),
                "a final state stays final");
        assertEquals(new Recipient(1, "dave@example.org", RecipientState.PENDING, 2, NOW, "451 still later"), r.get(1));
        assertEquals(new Recipient(2, "erin@example.org", RecipientState.PENDING, 0, null, null), r.get(2),
                "never named: unchanged");
        assertEquals(2, only(id(1)).attempts(), "the message counts both attempts");
    }

    @Test
    void aBadRecordChangesNothingAndTheLeaseStays() {
        queue.enqueue(message(1, ALICE, NOW, "carol@example.org", "dave@example.org"));
        claim("node-a/1", NOW, 1);
        assertThrows(IllegalArgumentException.class, () -> queue.recordAttempt(id(1), "node-a/1",
                List.of(new Outcome(0, RecipientState.DELIVERED, "250"), new Outcome(7, RecipientState.FAILED, "550")),
                NOW.plusSeconds(60)), "no recipient 7");
        assertThrows(IllegalArgumentException.class, () -> queue.recordAttempt(id(1), "node-a/1",
                List.of(new Outcome(0, RecipientState.DELIVERED, "250"), new Outcome(0, RecipientState.FAILED, "550")),
                NOW.plusSeconds(60)), "named twice");
        assertThrows(IllegalArgumentException.class, () -> queue.recordAttempt(id(1), "node-a/1",
                List.of(new Outcome(0, RecipientState.DELIVERED, "250")), null), "one pending: when next?");

        QueuedMessage q = only(id(1));
        assertEquals("node-a/1", q.leaseOwner());
        assertEquals(0, q.attempts());
        assertTrue(q.recipients().stream().allMatch(r -> r.state() == RecipientState.PENDING && r.attempts() == 0));

        assertTrue(queue.recordAttempt(id(1), "node-a/1", List.of(new Outcome(0, RecipientState.DELIVERED, "250"),
                new Outcome(1, RecipientState.FAILED, "550")), null), "none left pending: no next attempt needed");
        assertEquals(0, queue.count());
    }

    @Test
    void aLongReplyIsStoredCutToTheColumn() {
        queue.enqueue(message(1, ALICE, NOW, "carol@example.org", "dave@example.org", "erin@example.org"));
        claim("node-a/1", NOW, 1);
        String huge = "550-" + "x".repeat(4996);
        assertEquals(5000, huge.length());
        String emojiAtTheCut = "4".repeat(JdbcOutboundRepository.REPLY_MAX - 1) + "\uD83D\uDCE7 and more";
        assertTrue(queue.recordAttempt(id(1), "node-a/1", List.of(new Outcome(0, RecipientState.FAILED, huge),
                new Outcome(1, RecipientState.PENDING, emojiAtTheCut),
                new Outcome(2, RecipientState.PENDING, "451 odd\u0000reply")), NOW.plusSeconds(60)));

        List<Recipient> r = only(id(1)).recipients();
        assertEquals(huge.substring(0, JdbcOutboundRepository.REPLY_MAX), r.get(0).lastReply());
        assertEquals("4".repeat(JdbcOutboundRepository.REPLY_MAX - 1), r.get(1).lastReply(),
                "no half of a surrogate pair at the cut");
        assertEquals("451 odd\uFFFDreply", r.get(2).lastReply(), "a NUL, which PostgreSQL refuses, is replaced");
    }

    @Test
    void repliesAreCutByCharactersAndKeptWhole() {
        assertNull(JdbcOutboundRepository.reply(null));
        assertEquals("", JdbcOutboundRepository.reply(""));
        assertEquals("250 2.0.0 ok\n250 more", JdbcOutboundRepository.reply("250 2.0.0 ok\n250 more"));
        String fits = "y".repeat(JdbcOutboundRepository.REPLY_MAX - 2) + "\uD83D\uDCE7";
        assertEquals(fits, JdbcOutboundRepository.reply(fits + "z"), "a pair that fits stays");
        assertEquals("a\uFFFDb", JdbcOutboundRepository.reply("a\uDC00b"), "a lone surrogate is replaced");
    }

    // ---- operators ----

    @Test
    void retryNowMakesItDueAndLeavesALiveLeaseAlone() {
        queue.enqueue(message(1, ALICE, NOW, "carol@example.org"));
        claim("node-a/1", NOW, 1);
        queue.recordAttempt(id(1), "node-a/1", List.of(new Outcome(0, RecipientState.PENDING, "451")),
                NOW.plus(Duration.ofHours(4)));

        Instant operator = NOW.plusSeconds(10);
        assertTrue(queue.retryNow(id(1), operator));
        assertEquals(operator, only(id(1)).nextAttempt());
        assertEquals(List.of(id(1)), ids(claim("node-b/1", operator, 1)), "due at once, for anybody");

        // while node-b sends it, a retry changes the due time but not who sends
        Instant later = operator.plusSeconds(5);
        assertTrue(queue.retryNow(id(1), later));
        QueuedMessage q = only(id(1));
        assertEquals("node-b/1", q.leaseOwner());
        assertTrue(ids(claim("node-a/1", later, 1)).isEmpty(), "nobody else takes a message being sent");
        assertTrue(queue.recordAttempt(id(1), "node-b/1", List.of(), later.plusSeconds(60)), "the sender keeps its lease");

        assertFalse(queue.retryNow(id(2), operator), "not queued");
        assertFalse(queue.retryNow("nonsense", operator));
    }

    @Test
    void deleteRemovesTheRowsAndRecordsTheBody() {
        queue.enqueue(message(1, ALICE, NOW, "carol@example.org", "dave@example.org"));
        queue.enqueue(message(2, ALICE, NOW, "carol@example.org"));
        claim("node-a/1", NOW, 2);

        assertTrue(queue.delete(id(1)));
        assertTrue(queue.find(id(1)).isEmpty());
        assertEquals(0, rows("SELECT COUNT(*) FROM outbound_recipient WHERE message_id = '" + id(1) + "'"));
        assertEquals(1, rows("SELECT COUNT(*) FROM pending_blob_deletion WHERE blob_id = '" + blob(1).value()
                + "' AND reason = 'outbound-deleted'"));
        assertFalse(queue.recordAttempt(id(1), "node-a/1", List.of(new Outcome(0, RecipientState.DELIVERED, "250")),
                NOW), "the sender's lease is gone with the message");
        assertFalse(queue.renew(id(1), "node-a/1", NOW.plus(LEASE)));

        assertFalse(queue.delete(id(1)), "deleted once");
        assertEquals(1, rows("SELECT COUNT(*) FROM pending_blob_deletion"), "and recorded once");
        assertFalse(queue.delete("nonsense"));
        assertEquals(List.of(id(2)), ids(queue.list(10)));
    }
}
