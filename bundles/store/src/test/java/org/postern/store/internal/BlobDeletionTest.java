package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;
import org.postern.api.mail.AccountGoneException;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.FolderSnapshot;
import org.postern.api.mail.SendingServer;
import org.postern.core.store.MessageRepository;
import org.postern.core.store.AccountRecord;
import org.postern.core.store.OutboundRepository.NewMessage;
import org.postern.core.store.OutboundRepository.Outcome;
import org.postern.core.store.OutboundRepository.RecipientState;
import org.postern.api.store.BlobId;

/**
 * Deleted means gone: account removal, pending deletions and their retries, and the collector of
 * orphaned blobs, against a real embedded Derby and a real blob directory.
 */
abstract class BlobDeletionTest {
    private static final String ALICE_ID = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    private static final String BOB_ID = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
    private static final Instant NOW = Instant.parse("2025-03-04T05:06:07Z");

    @TempDir
    Path dataDir;

    private TestDatabase testDb;
    private Database db;

    abstract TestDatabase.Engine engine();
    private JdbcAccountRepository accounts;
    private JdbcMessageRepository messages;
    private JdbcOutboundRepository queue;
    private Path blobRoot;
    /** Deletes that should fail before the real one runs (the disk said no). */
    private final AtomicInteger failDeletes = new AtomicInteger();
    private FileBlobStore blobs;
    private BlobReaper reaper;

    @BeforeEach
    void open() {
        testDb = TestDatabase.create(engine(), dataDir);
        db = testDb.open();
        accounts = new JdbcAccountRepository(db);
        messages = new JdbcMessageRepository(db);
        queue = new JdbcOutboundRepository(db, Clock.fixed(NOW, ZoneOffset.UTC));
        JdbcDomainRepository domains = new JdbcDomainRepository(db);
        domains.insertServiceDomain("example.net");
        blobRoot = dataDir.resolve("blobs");
        blobs = new FileBlobStore(blobRoot, false) {
            @Override
            public boolean delete(BlobId id) throws IOException {
                if (failDeletes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new IOException("disk said no to " + id);
                }
                return super.delete(id);
            }
        };
        reaper = new BlobReaper(db, blobs, Clock.fixed(NOW, ZoneOffset.UTC), BlobReaper.Settings.DEFAULTS);
        accounts.insert(account(ALICE_ID, "alice@example.net"));
        accounts.insert(account(BOB_ID, "bob@example.net"));
    }

    @AfterEach
    void close() {
        if (testDb == null) {
            return; // the PostgreSQL half was skipped (-Dpostern.test.postgresql=skip)
        }
        try {
            reaper.stop();
            db.close();
        } finally {
            testDb.close();
        }
    }

    private static AccountRecord account(String id, String address) {
        return new AccountRecord(id, MailAddress.parse(address), AccountStatus.ACTIVE, "$argon2id$x", NOW,
                LocalDate.of(2031, 1, 1));
    }

    private BlobId body(String text) throws IOException {
        return blobs.put(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static IncomingMessage message(String accountId, BlobId body) {
        return new IncomingMessage(accountId, MailAddress.parse("alice@example.net"), "x@example.org",
                new SendingServer("192.0.2.7", "mx.example.org", null), body, 10, NOW);
    }

    private Set<BlobId> blobFiles() throws IOException {
        try (Stream<Path> s = Files.walk(blobRoot)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.getParent().getFileName().toString().equals("tmp"))
                    .map(p -> BlobId.of(p.getFileName().toString())).collect(Collectors.toSet());
        }
    }

    private long rows(String sql) {
        return db.queryOne(sql, ps -> { }, rs -> rs.getLong(1)).orElseThrow();
    }

    private void age(BlobId id, Duration age) throws IOException {
        Files.setLastModifiedTime(blobRoot.resolve(id.value().substring(0, 2)).resolve(id.value()),
                FileTime.from(NOW.minus(age)));
    }

    // ---- account removal ----

    @Test
    void accountRemovalLeavesNoRowsAndNoBlobFiles() throws IOException {
        BlobId a1 = body("alice one");
        BlobId a2 = body("alice two");
        BlobId b1 = body("bob one");
        messages.append(ALICE_ID, "INBOX", message(ALICE_ID, a1));
        messages.append(ALICE_ID, "Archive", message(ALICE_ID, a2));
        messages.append(BOB_ID, "INBOX", message(BOB_ID, b1));

        assertTrue(accounts.markRemoved(ALICE_ID));
        // In the removal's own transaction: the rows are gone and the bodies recorded.
        assertEquals(Map.of(), messages.folders(ALICE_ID));
        assertEquals(0, rows("SELECT COUNT(*) FROM mailbox WHERE account_id = '" + ALICE_ID + "'"));
        assertEquals(2, rows("SELECT COUNT(*) FROM pending_blob_deletion"));

        assertEquals(2, reaper.deletePending());
        assertEquals(Set.of(b1), blobFiles(), "alice's bodies unlinked, bob's kept");
        assertEquals(0, rows("SELECT COUNT(*) FROM pending_blob_deletion"));
        assertEquals(1, rows("SELECT COUNT(*) FROM message"), "only bob's message row is left");
    }

    @Test
    void aRemovalKicksTheRunningReaper() throws Exception {
        BlobId a1 = body("alice one");
        messages.append(ALICE_ID, "INBOX", message(ALICE_ID, a1));
        reaper.start();
        accounts.markRemoved(ALICE_ID);
        for (int i = 0; i < 200 && !blobFiles().isEmpty(); i++) {
            Thread.sleep(50);
        }
        assertEquals(Set.of(), blobFiles());
    }

    @Test
    void aFailedUnlinkIsRetriedAndThenGone() throws IOException {
        BlobId a1 = body("alice one");
        messages.append(ALICE_ID, "INBOX", message(ALICE_ID, a1));
        accounts.markRemoved(ALICE_ID);

        failDeletes.set(1);
        assertEquals(0, reaper.deletePending());
        assertEquals(Set.of(a1), blobFiles(), "still on disk after the failure");
        assertEquals(1, rows("SELECT attempts FROM pending_blob_deletion"), "the record stays, one attempt counted");

        assertEquals(1, reaper.deletePending(), "the next pass tries again");
        assertEquals(Set.of(), blobFiles());
        assertEquals(0, rows("SELECT COUNT(*) FROM pending_blob_deletion"));
    }

    @Test
    void aBlobAlreadyMissingCountsAsGone() throws IOException {
        BlobId a1 = body("alice one");
        messages.append(ALICE_ID, "INBOX", message(ALICE_ID, a1));
        blobs.delete(a1);
        accounts.markRemoved(ALICE_ID);
        assertEquals(1, reaper.deletePending());
        assertEquals(0, rows("SELECT COUNT(*) FROM pending_blob_deletion"));
    }

    @Test
    void aPendingBlobThatAMessageStillReferencesIsKept() throws IOException {
        BlobId shared = body("one body, two rows");
        messages.append(ALICE_ID, "INBOX", message(ALICE_ID, shared));
        messages.append(BOB_ID, "INBOX", message(BOB_ID, shared));
        accounts.markRemoved(ALICE_ID);
        reaper.deletePending();
        assertEquals(Set.of(shared), blobFiles(), "bob's message still needs it");
        assertEquals(0, rows("SELECT COUNT(*) FROM pending_blob_deletion"));
    }

    @Test
    void deleteAllMailAndRecordForDeletionGoThroughTheRecord() throws IOException {
        BlobId a1 = body("alice one");
        BlobId loose = body("a replaced body");
        messages.append(ALICE_ID, "INBOX", message(ALICE_ID, a1));
        assertEquals(List.of(a1), messages.deleteAllMail(ALICE_ID));
        messages.recordForDeletion(List.of(loose), "replaced");
        assertEquals(2, rows("SELECT COUNT(*) FROM pending_blob_deletion"));
        assertEquals(2, reaper.deletePending());
        assertEquals(Set.of(), blobFiles());
    }

    // ---- no folder for a removed account ----

    @Test
    void aRemovedAccountGetsNoFolderRecreated() throws IOException {
        messages.append(ALICE_ID, "INBOX", message(ALICE_ID, body("before")));
        accounts.markRemoved(ALICE_ID);
        AccountGoneException e = assertThrows(AccountGoneException.class,
                () -> messages.append(ALICE_ID, "INBOX", message(ALICE_ID, body("after"))));
        assertEquals(ALICE_ID, e.accountId());
        assertEquals(Map.of(), messages.folders(ALICE_ID), "no INBOX recreated");
        assertEquals(0, rows("SELECT COUNT(*) FROM message m JOIN mailbox b ON m.mailbox_id = b.id "
                + "WHERE b.account_id = '" + ALICE_ID + "'"));
    }

    @Test
    void anUnknownAccountGetsNoFolder() throws IOException {
        String nobody = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3";
        assertThrows(AccountGoneException.class, () -> messages.append(nobody, "INBOX", message(nobody, body("x"))));
    }

    @Test
    void aFolderLeftBehindByAnotherWayOfRemovingTakesNoMail() throws IOException {
        messages.append(ALICE_ID, "INBOX", message(ALICE_ID, body("before")));
        accounts.updateStatus(ALICE_ID, AccountStatus.REMOVED); // not markRemoved: the folder stays
        assertThrows(AccountGoneException.class,
                () -> messages.append(ALICE_ID, "INBOX", message(ALICE_ID, body("after"))));
        assertEquals(Map.of("INBOX", 1L), messages.folders(ALICE_ID));
    }

    @Test
    void aLockedAccountStillGetsMail() throws IOException {
        accounts.updateStatus(ALICE_ID, AccountStatus.LOCKED);
        assertEquals(1, messages.append(ALICE_ID, "INBOX", message(ALICE_ID, body("kept for later"))));
    }

    @Test
    void deliveriesRacingARemovalAreFiledAndDeletedOrRefused() throws Exception {
        messages.append(ALICE_ID, "INBOX", message(ALICE_ID, body("first")));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        java.util.concurrent.ConcurrentLinkedQueue<BlobId> refused = new java.util.concurrent.ConcurrentLinkedQueue<>();
        try {
            List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                String folder = t % 2 == 0 ? "INBOX" : "Folder" + t;
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < 15; i++) {
                        BlobId b = body("racing " + i);
                        try {
                            messages.append(ALICE_ID, folder, message(ALICE_ID, b));
                        } catch (AccountGoneException gone) {
                            refused.add(b);
                        }
                    }
                    return null;
                }));
            }
            Thread.sleep(20);
            assertTrue(accounts.markRemoved(ALICE_ID));
            for (java.util.concurrent.Future<?> f : runs) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, rows("SELECT COUNT(*) FROM mailbox WHERE account_id = '" + ALICE_ID + "'"),
                "no folder outlives the removal");
        reaper.deletePending();
        Set<BlobId> left = blobFiles();
        assertEquals(Set.copyOf(refused), left, "every filed body is gone; only the refused ones, still their "
                + "caller's, are left");
    }

    // ---- orphaned blobs ----

    @Test
    void theCollectorDeletesOldUnreferencedBlobsOnly() throws IOException {
        BlobId orphan = body("left by a crash");
        BlobId filed = body("in a folder");
        BlobId young = body("a delivery in flight");
        BlobId pending = body("recorded for deletion");
        messages.append(ALICE_ID, "INBOX", message(ALICE_ID, filed));
        failDeletes.set(1);
        messages.recordForDeletion(List.of(pending), "replaced");
        reaper.deletePending(); // fails once: the record stays
        for (BlobId id : List.of(orphan, filed, pending)) {
            age(id, Duration.ofHours(2));
        }
        age(young, Duration.ofMinutes(5));

        assertEquals(1, reaper.collectOrphans());
        assertEquals(Set.of(filed, young, pending), blobFiles());
        assertEquals(1, rows("SELECT COUNT(*) FROM pending_blob_deletion"), "the reaper's record is left to it");
    }

    // ---- bodies of the outbound queue (V010) ----

    private void enqueue(String id, BlobId body) {
        queue.enqueue(new NewMessage(id, ALICE_ID, "alice@example.net", body, 10, NOW, NOW, NOW.plus(Duration.ofDays(5)),
                List.of("carol@example.org")));
    }

    @Test
    void aQueuedBodyIsNoOrphanHoweverLongItWaits() throws IOException {
        BlobId orphan = body("left by a crash");
        BlobId queued = body("waiting to be sent, for days");
        enqueue("00000000000000000000000000000001", queued);
        age(orphan, Duration.ofDays(3));
        age(queued, Duration.ofDays(3));

        assertEquals(1, reaper.collectOrphans());
        assertEquals(Set.of(queued), blobFiles(), "the queue's body survives the sweep");
        assertEquals(1, queue.count());
    }

    @Test
    void aBodyLeavesWithItsQueuedMessage() throws IOException {
        BlobId sent = body("delivered to everybody");
        BlobId dropped = body("deleted by the operator");
        enqueue("00000000000000000000000000000001", sent);
        enqueue("00000000000000000000000000000002", dropped);
        queue.claimDue("node-a/1", NOW, NOW.plusSeconds(300), 10);
        assertTrue(queue.recordAttempt("00000000000000000000000000000001", "node-a/1",
                List.of(new Outcome(0, RecipientState.DELIVERED, "250 ok")), NOW.plusSeconds(600)));
        assertTrue(queue.delete("00000000000000000000000000000002"));

        assertEquals(2, reaper.deletePending());
        assertEquals(Set.of(), blobFiles());
        assertEquals(0, rows("SELECT COUNT(*) FROM pending_blob_deletion"));
    }

    @Test
    void aBodyTheQueueSharesWithAFiledMessageStaysUntilBothAreDone() throws IOException {
        // One body filed (a copy kept) and queued for sending: deleting either leaves the other's.
        BlobId shared = body("filed and sent");
        messages.append(ALICE_ID, "Sent", message(ALICE_ID, shared));
        enqueue("00000000000000000000000000000001", shared);

        messages.deleteAllMail(ALICE_ID);
        reaper.deletePending();
        assertEquals(Set.of(shared), blobFiles(), "still queued");
        assertEquals(0, rows("SELECT COUNT(*) FROM pending_blob_deletion"), "the record forgotten, as for a copy");

        assertTrue(queue.delete("00000000000000000000000000000001"));
        assertEquals(1, reaper.deletePending());
        assertEquals(Set.of(), blobFiles());
    }

    @Test
    void accountRemovalTakesTheQueuedBodiesToo() throws IOException {
        BlobId queued = body("alice's outgoing");
        BlobId bobs = body("bob's outgoing");
        enqueue("00000000000000000000000000000001", queued);
        queue.enqueue(new NewMessage("00000000000000000000000000000002", BOB_ID, "bob@example.net", bobs, 10, NOW, NOW,
                NOW.plus(Duration.ofDays(5)), List.of("carol@example.org")));

        assertTrue(accounts.markRemoved(ALICE_ID));
        assertEquals(1, reaper.deletePending());
        assertEquals(Set.of(bobs), blobFiles());
        assertEquals(1, queue.count());
    }

    @Test
    void theCollectorLooksAtABoundedNumberOfFilesPerRunAndGoesOn() throws IOException {
        BlobReaper small = new BlobReaper(db, blobs, Clock.fixed(NOW, ZoneOffset.UTC),
                new BlobReaper.Settings(Duration.ofSeconds(60), Duration.ofHours(1), Duration.ofHours(24), 1));
        for (int i = 0; i < 20; i++) {
            age(body("orphan " + i), Duration.ofDays(1));
        }
        int first = small.collectOrphans();
        assertTrue(first >= 1 && first < 20, "one directory's worth per run: " + first);
        int total = first;
        for (int run = 0; run < 256 && total < 20; run++) {
            total += small.collectOrphans();
        }
        assertEquals(20, total);
        assertEquals(Set.of(), blobFiles());
    }

    // ---- journal recovery ----

    /**
     * After a crash, the blobs the journal restored are checked against the database: a body
     * that was filed stays, one stored but never filed (the crash came before the commit) is
     * unlinked, so recovery leaves no orphan; then the recovered segment goes.
     */
    @Test
    void recoveredBodiesThatNoRowRefersToAreUnlinked() throws IOException {
        Path journal = dataDir.resolve("journal");
        Path root = dataDir.resolve("journaled-blobs");
        FileBlobStore crashed = new FileBlobStore(root, true, journal, 3_600_000);
        BlobId filed = crashed.put(new ByteArrayInputStream("filed before the crash".getBytes(StandardCharsets.UTF_8)));
        BlobId unfiled = crashed.put(new ByteArrayInputStream("never filed".getBytes(StandardCharsets.UTF_8)));
        messages.append(ALICE_ID, "INBOX", message(ALICE_ID, filed));
        crashed.journal().abandon();

        FileBlobStore restarted = new FileBlobStore(root, true, journal, 3_600_000);
        BlobReaper afterCrash = new BlobReaper(db, restarted, Clock.fixed(NOW, ZoneOffset.UTC), BlobReaper.Settings.DEFAULTS);
        assertEquals(1, restarted.recoveredBlobs().size());
        assertEquals(1, afterCrash.checkRecovered());
        assertTrue(restarted.open(filed).isPresent(), "the filed body stays");
        assertTrue(restarted.open(unfiled).isEmpty(), "the body nobody filed is gone");
        assertEquals(List.of(), restarted.recoveredBlobs());
        assertEquals(0, afterCrash.checkRecovered(), "done once");
        restarted.close();
        try (Stream<Path> s = Files.list(journal)) {
            assertEquals(0, s.filter(p -> !p.getFileName().toString().equals("journal.id")).count(), "no segment left");
        }
    }

    // ---- journaled filing ----

    private static JdbcMessageRepository whenReady(JdbcMessageRepository r) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!r.journaled().ready()) {
            assertTrue(System.currentTimeMillis() < deadline, "the journaled filings' drainer started");
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        return r;
    }

    private List<BlobId> inbox(JdbcMessageRepository r, String accountId) {
        return r.snapshot(accountId, "INBOX").messages().stream().map(m -> r.body(accountId, "INBOX", r.snapshot(accountId,
                "INBOX").uidValidity(), m.uid()).orElseThrow()).toList();
    }

    /** A blob store with a journal whose checkpointer waits an hour: nothing leaves it unless a test says so. */
    private FileBlobStore journaledStore() {
        return new FileBlobStore(dataDir.resolve("j-blobs"), true, dataDir.resolve("j-journal"), 3_600_000);
    }

    /** A body stored the MX's way: in the journal, its flush left to the filing. */
    private static BlobId journaledBody(FileBlobStore store, String text) throws IOException {
        return store.putForFiling(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** A message repository whose drainer files journaled filings gathered for {@code batchMillis}. */
    private JdbcMessageRepository drainingInto(FileBlobStore store, long batchMillis) {
        return whenReady(new JdbcMessageRepository(db, store, batchMillis));
    }

    private static MessageRepository.Filing filing(String accountId, BlobId body) {
        return new MessageRepository.Filing(accountId, "INBOX", message(accountId, body), null);
    }

    /**
     * The MX's path: the filing returns once durable in the journal, before the drainer filed it
     * (its batch window is an hour here), and a read of the account right after still sees the
     * message, because reads wait for the account's journaled filings.
     */
    @Test
    void aJournaledDeliveryIsSeenByTheNextReadOfItsAccount() throws IOException {
        FileBlobStore store = journaledStore();
        JdbcMessageRepository r = drainingInto(store, 300);
        try {
            BlobId body = journaledBody(store, "to alice");
            long[] uids = r.appendAllJournaled(List.of(filing(ALICE_ID, body)));
            assertEquals(0, uids[0], "journaled: UID not known yet");
            assertEquals(List.of(body), inbox(r, ALICE_ID), "filed before the read answered");
            assertEquals(List.of(), inbox(r, BOB_ID));
        } finally {
            r.deactivate();
            store.close();
        }
        try (Stream<Path> s = Files.list(dataDir.resolve("j-journal"))) {
            assertEquals(List.of("journal.id"), s.map(p -> p.getFileName().toString()).toList(),
                    "a clean stop after filing leaves no segment");
        }
    }

    /**
     * A crash after the acknowledgement and before the drainer filed: the segment is not
     * checkpointed away while its filing is unfiled, the next start files the delivery from it,
     * once, and a second crash before the recovered segment goes files nothing twice. Then a
     * filed and deleted delivery is not brought back by a later crash.
     */
    @Test
    void aCrashBeforeTheFilingFilesTheAcknowledgedDeliveryExactlyOnceAtStart() throws IOException {
        FileBlobStore crashed = journaledStore();
        JdbcMessageRepository before = drainingInto(crashed, 3_600_000);
        BlobId one = journaledBody(crashed, "one");
        BlobId two = journaledBody(crashed, "two");
        before.appendAllJournaled(List.of(filing(ALICE_ID, one), filing(BOB_ID, two)));
        crashed.journal().checkpoint(); // must keep the segment: its filing is the only record
        before.journaled().abandon();
        crashed.journal().abandon();
        assertEquals(List.of(), new JdbcMessageRepository(db).snapshot(ALICE_ID, "INBOX").messages(),
                "nothing filed before the crash");

        for (int start = 1; start <= 2; start++) {
            FileBlobStore restarted = journaledStore();
            JdbcMessageRepository after = drainingInto(restarted, 0);
            assertEquals(List.of(one), inbox(after, ALICE_ID), "start " + start + ": filed once");
            assertEquals(List.of(two), inbox(after, BOB_ID), "start " + start + ": both copies");
            after.journaled().abandon();
            restarted.journal().abandon(); // the reaper never ran: the recovered segment is still there
        }

        FileBlobStore third = journaledStore();
        JdbcMessageRepository r = drainingInto(third, 0);
        BlobId three = journaledBody(third, "three");
        r.appendAllJournaled(List.of(filing(ALICE_ID, three)));
        assertEquals(List.of(one, three), inbox(r, ALICE_ID));
        FolderSnapshot s = r.snapshot(ALICE_ID, "INBOX");
        r.delete(ALICE_ID, "INBOX", s.uidValidity(), List.of(s.messages().get(1).uid()));
        r.journaled().abandon();
        third.journal().abandon();

        FileBlobStore fourth = journaledStore();
        JdbcMessageRepository last = drainingInto(fourth, 0);
        assertEquals(List.of(one), inbox(last, ALICE_ID), "the deleted delivery stays deleted");
        BlobReaper afterCrash = new BlobReaper(db, fourth, Clock.fixed(NOW, ZoneOffset.UTC), BlobReaper.Settings.DEFAULTS);
        afterCrash.checkRecovered();
        assertTrue(fourth.open(three).isEmpty(), "and its body is unlinked");
        assertTrue(fourth.open(one).isPresent());
        last.deactivate();
        fourth.close();
    }

    /**
     * The message repository restarted while the blob store stays (a bundle refresh): the new
     * drainer files what the old one left in the queue, and numbers on from where it was, so
     * nothing acknowledged is skipped and the journal is left empty at a clean stop.
     */
    @Test
    void aRestartedRepositoryFilesWhatTheOldOneLeftAndNumbersOn() throws IOException {
        FileBlobStore store = journaledStore();
        JdbcMessageRepository old = drainingInto(store, 3_600_000);
        BlobId first = journaledBody(store, "first");
        assertEquals(0, old.appendAllJournaled(List.of(filing(ALICE_ID, first)))[0]);
        old.journaled().abandon(); // gone without filing it

        JdbcMessageRepository renewed = drainingInto(store, 0);
        BlobId second = journaledBody(store, "second");
        assertEquals(0, renewed.appendAllJournaled(List.of(filing(ALICE_ID, second)))[0]);
        assertEquals(List.of(first, second), inbox(renewed, ALICE_ID), "both, once each, in order");
        renewed.deactivate();
        store.close();
        try (Stream<Path> s = Files.list(dataDir.resolve("j-journal"))) {
            assertEquals(List.of("journal.id"), s.map(p -> p.getFileName().toString()).toList(), "every record filed");
        }
    }

    /**
     * A batch tried again after its connection went while it committed: the mark says it was
     * filed, and the retry rolls back instead of filing it twice.
     */
    @Test
    void aBatchWhoseMarkMovedAlreadyIsNotFiledAgain() throws IOException {
        FileBlobStore store = journaledStore();
        JdbcMessageRepository r = drainingInto(store, 3_600_000);
        BlobId body = journaledBody(store, "once");
        r.appendAllJournaled(List.of(filing(ALICE_ID, body)));
        // what a commit whose connection went would have left: the mark moved past the record
        db.update("UPDATE journal_filed SET filed_seq = filed_seq + 1", ps -> { });
        r.deactivate(); // the drainer files what waits, now
        assertEquals(List.of(), inbox(new JdbcMessageRepository(db), ALICE_ID), "not filed a second time");
        store.close();
    }

    /**
     * A body whose record is in an earlier segment than the filing would be (the checkpointer
     * switched segments in between): the delivery is filed at once instead, so a filing record
     * is never replayed from a segment that does not hold its bodies.
     */
    @Test
    void aFilingIsJournaledOnlyInTheSegmentOfItsBodies() throws IOException {
        FileBlobStore store = journaledStore();
        JdbcMessageRepository r = drainingInto(store, 3_600_000);
        BlobId body = journaledBody(store, "before the switch");
        store.journal().checkpoint(); // switches segments: the body's is not the current one any more
        long[] uids = r.appendAllJournaled(List.of(filing(ALICE_ID, body)));
        assertTrue(uids[0] > 0, "filed at once, with its UID: " + uids[0]);
        assertEquals(List.of(body), inbox(new JdbcMessageRepository(db), ALICE_ID));
        r.deactivate();
        store.close();
    }

    /**
     * An old drainer's commit landed (say its connection went as it committed) but it never took
     * the batch off the queue; the repository is restarted. The new drainer finds the mark past
     * the first delivery and files only the second: nothing twice.
     */
    @Test
    void aNewDrainerSkipsWhatTheMarkSaysTheOldOneFiled() throws IOException {
        FileBlobStore store = journaledStore();
        JdbcMessageRepository old = drainingInto(store, 3_600_000);
        BlobId first = journaledBody(store, "first");
        old.appendAllJournaled(List.of(filing(ALICE_ID, first)));
        BlobId second = journaledBody(store, "second");
        old.appendAllJournaled(List.of(filing(ALICE_ID, second)));
        // what the old drainer's first transaction left: the first delivery filed, the mark moved by one
        new JdbcMessageRepository(db).appendAll(List.of(filing(ALICE_ID, first)));
        db.update("UPDATE journal_filed SET filed_seq = filed_seq + 1", ps -> { });
        old.journaled().abandon();

        JdbcMessageRepository renewed = drainingInto(store, 0);
        assertEquals(List.of(first, second), inbox(renewed, ALICE_ID), "each once");
        renewed.deactivate();
        store.close();
    }
}
