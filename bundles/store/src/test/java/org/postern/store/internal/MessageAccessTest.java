package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;
import org.postern.api.mail.FolderSnapshot;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.StoredMessage;
import org.postern.api.store.BlobId;
import org.postern.core.store.MessageRepository;
import org.postern.core.store.AccountRecord;

/**
 * Reading and deleting single messages (what POP3 needs): snapshots, bodies by UIDVALIDITY and
 * UID, deletion that records the bodies in the same transaction. Each subclass names the engine.
 */
abstract class MessageAccessTest {
    private static final String ALICE_ID = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    private static final String BOB_ID = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
    private static final Instant NOW = Instant.parse("2025-03-04T05:06:07Z");

    @TempDir
    Path dataDir;

    private TestDatabase testDb;
    private Database db;
    private JdbcMessageRepository messages;
    private FileBlobStore blobs;
    private Path blobRoot;
    private BlobReaper reaper;

    abstract TestDatabase.Engine engine();

    @BeforeEach
    void open() {
        testDb = TestDatabase.create(engine(), dataDir);
        db = testDb.open();
        JdbcAccountRepository accounts = new JdbcAccountRepository(db);
        new JdbcDomainRepository(db).insertServiceDomain("example.net");
        messages = new JdbcMessageRepository(db);
        blobRoot = dataDir.resolve("blobs");
        blobs = new FileBlobStore(blobRoot, false);
        reaper = new BlobReaper(db, blobs, Clock.fixed(NOW, ZoneOffset.UTC), BlobReaper.Settings.DEFAULTS);
        accounts.insert(new AccountRecord(ALICE_ID, MailAddress.parse("alice@example.net"), AccountStatus.ACTIVE,
                "$argon2id$x", NOW, LocalDate.of(2031, 1, 1)));
        accounts.insert(new AccountRecord(BOB_ID, MailAddress.parse("bob@example.net"), AccountStatus.ACTIVE,
                "$argon2id$x", NOW, LocalDate.of(2031, 1, 1)));
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

    private BlobId file(String accountId, String folder, String text, Instant received) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        BlobId body = blobs.put(new ByteArrayInputStream(bytes));
        messages.append(accountId, folder, new IncomingMessage(accountId, MailAddress.parse("alice@example.net"),
                "x@example.org", null, body, bytes.length, received));
        return body;
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

    private long highestModseq(String accountId) {
        return rows("SELECT highest_modseq FROM mailbox WHERE account_id = '" + accountId + "' AND name = 'INBOX'");
    }

    private MessageRepository.Filing filing(String accountId, String folder, String sender, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        BlobId body = blobs.put(new ByteArrayInputStream(bytes));
        return new MessageRepository.Filing(accountId, folder, new IncomingMessage(accountId,
                MailAddress.parse(accountId.equals(ALICE_ID) ? "alice@example.net" : "bob@example.net"), sender, null, body,
                bytes.length, NOW), null);
    }

    @Test
    void aMessageForSeveralRecipientsIsFiledForEachInOneGo() throws IOException {
        file(ALICE_ID, "INBOX", "earlier", NOW);
        long[] uids = messages.appendAll(List.of(filing(ALICE_ID, "INBOX", "x@example.org", "one"),
                filing(BOB_ID, "INBOX", "x@example.org", "one"), filing(ALICE_ID, "INBOX", "x@example.org", "one again")));
        assertEquals(List.of(2L, 1L, 3L), java.util.Arrays.stream(uids).boxed().toList(), "UIDs grow per folder");
        assertEquals(3, messages.count(ALICE_ID, "INBOX"));
        assertEquals(1, messages.count(BOB_ID, "INBOX"));
        assertEquals(List.of(1L, 2L, 3L), messages.snapshot(ALICE_ID, "INBOX").messages().stream()
                .map(org.postern.api.mail.StoredMessage::uid).toList());
        assertEquals(4, messages.appendAll(List.of(filing(ALICE_ID, "INBOX", "x@example.org", "later")))[0]);
    }

    @Test
    void whenOneCopyCannotBeFiledNoneIs() throws IOException {
        file(BOB_ID, "INBOX", "earlier", NOW);
        long modseq = highestModseq(BOB_ID);
        MessageRepository.Filing fine = filing(BOB_ID, "INBOX", "x@example.org", "one");
        MessageRepository.Filing broken = filing(ALICE_ID, "INBOX", "x".repeat(400) + "@example.org", "one");
        assertThrows(RuntimeException.class, () -> messages.appendAll(List.of(fine, broken)));
        assertEquals(1, messages.count(BOB_ID, "INBOX"), "bob's copy went back with alice's: the retry duplicates nothing");
        assertEquals(0, messages.count(ALICE_ID, "INBOX"));
        assertEquals(modseq, highestModseq(BOB_ID));
        assertEquals(List.of(2L), java.util.Arrays.stream(messages.appendAll(List.of(fine))).boxed().toList(),
                "the UID the failed attempt took is free again");
    }

    /**
     * Group commit: deliveries that arrive while another commits are filed in one transaction
     * (one MODSEQ for the folder, seen here), and a delivery that cannot be filed spoils no
     * other in its group.
     */
    @Test
    void deliveriesArrivingTogetherAreFiledTogetherAndABadOneSpoilsNoOther() throws Exception {
        file(ALICE_ID, "INBOX", "earlier", NOW);
        long modseq = highestModseq(ALICE_ID);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(11);
        try {
            for (boolean withBrokenOne : new boolean[] {false, true}) {
                List<MessageRepository.Filing> group = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    group.add(filing(i % 3 == 0 ? BOB_ID : ALICE_ID, "INBOX", "x@example.org", "m" + i));
                }
                if (withBrokenOne) {
                    group.add(5, filing(ALICE_ID, "INBOX", "x".repeat(400) + "@example.org", "broken"));
                }
                List<java.util.concurrent.Future<long[]>> results = new ArrayList<>();
                messages.committing.lock(); // as if another group were committing
                try {
                    for (MessageRepository.Filing f : group) {
                        results.add(pool.submit(() -> messages.appendAll(List.of(f))));
                    }
                    long deadline = System.nanoTime() + 30_000_000_000L;
                    while (messages.waiting.size() < group.size() && System.nanoTime() < deadline) {
                        Thread.sleep(5);
                    }
                    assertEquals(group.size(), messages.waiting.size(), "every delivery waits for the commit");
                } finally {
                    messages.committing.unlock();
                }
                int failed = 0;
                for (java.util.concurrent.Future<long[]> r : results) {
                    try {
                        assertTrue(r.get()[0] > 0);
                    } catch (java.util.concurrent.ExecutionException e) {
                        failed++;
                    }
                }
                assertEquals(withBrokenOne ? 1 : 0, failed);
                if (!withBrokenOne) {
                    assertEquals(modseq + 1, highestModseq(ALICE_ID), "six deliveries to alice, one transaction");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1 + 6 + 6, messages.count(ALICE_ID, "INBOX"), "each good delivery once, the broken one not at all");
        assertEquals(4 + 4, messages.count(BOB_ID, "INBOX"));
        List<Long> uids = messages.snapshot(ALICE_ID, "INBOX").messages().stream().map(StoredMessage::uid).toList();
        assertEquals(java.util.stream.LongStream.rangeClosed(1, 13).boxed().toList(), uids);
    }

    @Test
    void aRemovedAccountGetsNothingAndTheOthersGetTheirCopy() throws IOException {
        assertTrue(new JdbcAccountRepository(db).markRemoved(BOB_ID));
        long[] uids = messages.appendAll(List.of(filing(BOB_ID, "INBOX", "x@example.org", "one"),
                filing(ALICE_ID, "INBOX", "x@example.org", "one")));
        assertEquals(List.of(-1L, 1L), java.util.Arrays.stream(uids).boxed().toList());
        assertEquals(0, rows("SELECT COUNT(*) FROM mailbox WHERE account_id = '" + BOB_ID + "'"), "no folder for bob");
    }

    /** The INBOX id remembered from an earlier delivery is gone with the account: looked up afresh, nothing filed. */
    @Test
    void anAccountRemovedAfterADeliveryGetsNothingMore() throws IOException {
        messages.appendAll(List.of(filing(BOB_ID, "INBOX", "x@example.org", "before")));
        assertTrue(new JdbcAccountRepository(db).markRemoved(BOB_ID));
        long[] uids = messages.appendAll(List.of(filing(BOB_ID, "INBOX", "x@example.org", "after"),
                filing(ALICE_ID, "INBOX", "x@example.org", "after")));
        assertEquals(List.of(-1L, 1L), java.util.Arrays.stream(uids).boxed().toList());
        assertEquals(0, rows("SELECT COUNT(*) FROM mailbox WHERE account_id = '" + BOB_ID + "'"), "no folder for bob");
    }

    @Test
    void aMissingFolderIsAnEmptySnapshot() {
        FolderSnapshot s = messages.snapshot(ALICE_ID, "INBOX");
        assertFalse(s.exists());
        assertEquals(0, s.uidValidity());
        assertEquals(List.of(), s.messages());
        assertEquals(Optional.empty(), messages.body(ALICE_ID, "INBOX", 0, 1));
    }

    @Test
    void theSnapshotListsUidsSizesAndTimesInUidOrder() throws IOException {
        file(ALICE_ID, "INBOX", "first\r\n", NOW);
        file(ALICE_ID, "INBOX", "second message\r\n", NOW.plusSeconds(60));
        file(ALICE_ID, "Archive", "elsewhere\r\n", NOW);
        file(BOB_ID, "INBOX", "bob's\r\n", NOW);

        FolderSnapshot s = messages.snapshot(ALICE_ID, "INBOX");
        assertTrue(s.exists());
        assertEquals(rows("SELECT uid_validity FROM mailbox WHERE account_id = '" + ALICE_ID + "' AND name = 'INBOX'"),
                s.uidValidity());
        assertEquals(List.of(new StoredMessage(1, 7, NOW), new StoredMessage(2, 16, NOW.plusSeconds(60))),
                s.messages());
    }

    @Test
    void aBodyIsFoundByUidValidityAndUidOnly() throws IOException {
        BlobId first = file(ALICE_ID, "INBOX", "first\r\n", NOW);
        long validity = messages.snapshot(ALICE_ID, "INBOX").uidValidity();
        assertEquals(Optional.of(first), messages.body(ALICE_ID, "INBOX", validity, 1));
        assertEquals(Optional.empty(), messages.body(ALICE_ID, "INBOX", validity, 2), "no such UID");
        assertEquals(Optional.empty(), messages.body(ALICE_ID, "INBOX", validity + 1, 1), "another UIDVALIDITY");
        assertEquals(Optional.empty(), messages.body(BOB_ID, "INBOX", validity, 1), "another account");
    }

    @Test
    void deletingRemovesTheRowsRecordsTheBodiesAndBumpsTheModseq() throws IOException {
        BlobId m1 = file(ALICE_ID, "INBOX", "one\r\n", NOW);
        BlobId m2 = file(ALICE_ID, "INBOX", "two\r\n", NOW);
        BlobId m3 = file(ALICE_ID, "INBOX", "three\r\n", NOW);
        BlobId bobs = file(BOB_ID, "INBOX", "bob's\r\n", NOW);
        long validity = messages.snapshot(ALICE_ID, "INBOX").uidValidity();
        long modseq = highestModseq(ALICE_ID);

        List<BlobId> gone = messages.delete(ALICE_ID, "INBOX", validity, List.of(1L, 3L, 99L));
        assertEquals(Set.of(m1, m3), Set.copyOf(gone), "UID 99 does not exist and is skipped");
        assertEquals(List.of(2L), messages.snapshot(ALICE_ID, "INBOX").messages().stream().map(StoredMessage::uid)
                .toList());
        assertEquals(2, rows("SELECT COUNT(*) FROM pending_blob_deletion"), "recorded in the same transaction");
        assertEquals(modseq + 1, highestModseq(ALICE_ID));

        assertEquals(2, reaper.deletePending());
        assertEquals(Set.of(m2, bobs), blobFiles(), "the deleted bodies are unlinked, nothing else");

        assertEquals(List.of(), messages.delete(ALICE_ID, "INBOX", validity, List.of(1L, 3L)), "already gone");
        assertEquals(modseq + 1, highestModseq(ALICE_ID), "nothing deleted, no MODSEQ bump");
        assertEquals(4, messages.append(ALICE_ID, "INBOX", new IncomingMessage(ALICE_ID,
                MailAddress.parse("alice@example.net"), "", null, m2, 5, NOW)), "UIDs are never reused");
    }

    @Test
    void nothingIsDeletedUnderAnotherUidValidity() throws IOException {
        file(ALICE_ID, "INBOX", "one\r\n", NOW);
        long validity = messages.snapshot(ALICE_ID, "INBOX").uidValidity();
        assertEquals(List.of(), messages.delete(ALICE_ID, "INBOX", validity + 1, List.of(1L)));
        assertEquals(List.of(), messages.delete(ALICE_ID, "Nowhere", validity, List.of(1L)));
        assertEquals(List.of(), messages.delete(BOB_ID, "INBOX", validity, List.of(1L)));
        assertEquals(1, messages.snapshot(ALICE_ID, "INBOX").messages().size());
        assertEquals(0, rows("SELECT COUNT(*) FROM pending_blob_deletion"));
    }

    @Test
    void manyUidsAreDeletedInChunks() throws IOException {
        int n = PendingDeletions.IN_CHUNK * 2 + 7;
        List<Long> uids = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            file(ALICE_ID, "INBOX", "message " + i + "\r\n", NOW);
            uids.add((long) i);
        }
        long validity = messages.snapshot(ALICE_ID, "INBOX").uidValidity();
        assertEquals(n, messages.delete(ALICE_ID, "INBOX", validity, uids).size());
        assertEquals(0, messages.count(ALICE_ID, "INBOX"));
        assertEquals(n, reaper.deletePending());
        assertEquals(Set.of(), blobFiles());
    }

    @Test
    void aDeletionWakesTheRunningReaper() throws Exception {
        file(ALICE_ID, "INBOX", "one\r\n", NOW);
        long validity = messages.snapshot(ALICE_ID, "INBOX").uidValidity();
        reaper.start();
        messages.delete(ALICE_ID, "INBOX", validity, List.of(1L));
        for (int i = 0; i < 200 && !blobFiles().isEmpty(); i++) {
            Thread.sleep(50);
        }
        assertEquals(Set.of(), blobFiles());
    }
}
