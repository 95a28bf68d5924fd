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
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;
import org.postern.api.mail.AccountGoneException;
import org.postern.api.mail.FolderExistsException;
import org.postern.api.mail.FolderNotFoundException;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.Mailboxes.AppendResult;
import org.postern.api.mail.Mailboxes.CopyResult;
import org.postern.api.mail.Mailboxes.FlagUpdate;
import org.postern.api.mail.Mailboxes.FolderChanges;
import org.postern.api.mail.Mailboxes.FolderInfo;
import org.postern.api.mail.Mailboxes.FolderView;
import org.postern.api.mail.Mailboxes.MessageInfo;
import org.postern.api.mail.Mailboxes.StoreResult;
import org.postern.api.mail.OverQuotaException;
import org.postern.api.store.BlobId;
import org.postern.core.store.AccountRecord;
import org.postern.core.store.ChangeListener;
import org.postern.core.store.MailboxRepository;

/**
 * Folders and messages as IMAP sees them (V007): UIDs, MODSEQ, flags with CONDSTORE, expunge,
 * copy and move with shared bodies, rename, quota accounting. Each subclass names the engine.
 */
abstract class MailboxRepositoryTest {
    private static final String ALICE = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    private static final String BOB = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
    private static final Instant NOW = Instant.parse("2025-03-04T05:06:07Z");

    @TempDir
    Path dataDir;

    private TestDatabase testDb;
    private Database db;
    private JdbcAccountRepository accounts;
    private JdbcMessageRepository messages;
    private JdbcMailboxRepository boxes;
    private FileBlobStore blobs;
    private Path blobRoot;
    private BlobReaper reaper;
    private final List<String> heard = new CopyOnWriteArrayList<>();

    abstract TestDatabase.Engine engine();

    @BeforeEach
    void open() {
        testDb = TestDatabase.create(engine(), dataDir);
        db = testDb.open();
        db.addChangeListener(new ChangeListener() {
            @Override
            public void changed(String topic, String key) {
                heard.add(topic + " " + key);
            }

            @Override
            public void resync() {
            }
        });
        accounts = new JdbcAccountRepository(db);
        new JdbcDomainRepository(db).insertServiceDomain("example.net");
        messages = new JdbcMessageRepository(db);
        boxes = new JdbcMailboxRepository(db);
        blobRoot = dataDir.resolve("blobs");
        blobs = new FileBlobStore(blobRoot, false);
        reaper = new BlobReaper(db, blobs, Clock.fixed(NOW, ZoneOffset.UTC), BlobReaper.Settings.DEFAULTS);
        accounts.insert(new AccountRecord(ALICE, MailAddress.parse("alice@example.net"), AccountStatus.ACTIVE,
                "$argon2id$x", NOW, LocalDate.of(2031, 1, 1)));
        accounts.insert(new AccountRecord(BOB, MailAddress.parse("bob@example.net"), AccountStatus.ACTIVE,
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

    // ---- helpers ----

    private BlobId deliver(String account, String folder, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        BlobId body = blobs.put(new ByteArrayInputStream(bytes));
        messages.append(account, folder, new IncomingMessage(account, MailAddress.parse("alice@example.net"),
                "x@example.org", null, body, bytes.length, NOW));
        return body;
    }

    private AppendResult append(String account, String folder, String text, Set<String> flags, long limit)
            throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        BlobId body = blobs.put(new ByteArrayInputStream(bytes));
        return boxes.append(account, folder, body, bytes.length, flags, NOW, limit);
    }

    /**
     * Users emptying folders while mail arrives: every folder deletion deletes messages, and none
     * may wait on another's (with V003's ON DELETE CASCADE, Derby locked the whole message table
     * for each folder's DELETE; two at once each held the table's intent lock and waited for the
     * other's exclusive one, a deadlock Derby breaks only after 20 s, failing one of them, while
     * every delivery on the server queued behind them).
     */
    @org.junit.jupiter.api.Test
    void foldersDeletedWhileMailArrivesNeverDeadlock() throws Exception {
        int rounds = 15;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(4);
        List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
        try {
            for (String account : new String[] {ALICE, BOB}) {
                runs.add(pool.submit(() -> {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        String folder = "Trash" + r;
                        deliver(account, folder, "junk " + r);
                        deliver(account, folder, "more junk " + r);
                        boxes.deleteFolder(account, folder);
                    }
                    return null;
                }));
                runs.add(pool.submit(() -> {
                    start.await();
                    for (int r = 0; r < rounds * 2; r++) {
                        deliver(account, "INBOX", "mail " + r);
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> run : runs) {
                run.get(120, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(rounds * 2, messages.count(ALICE, "INBOX"));
        assertEquals(rounds * 2, messages.count(BOB, "INBOX"));
        assertEquals(0, db.queryOne("SELECT COUNT(*) FROM mailbox WHERE name LIKE 'Trash%'", ps -> { }, rs -> rs.getLong(1))
                .orElseThrow());
    }

    private FolderInfo info(String account, String folder) {
        return boxes.folder(account, folder).orElseThrow();
    }

    private long rows(String sql) {
        return db.queryOne(sql, ps -> { }, rs -> rs.getLong(1)).orElseThrow();
    }

    /** The invariant: every folder's used_bytes is the sum of its messages' sizes. */
    private void assertUsageInStep() {
        assertEquals(0, rows("SELECT COUNT(*) FROM mailbox b WHERE b.used_bytes <> "
                + "(SELECT COALESCE(SUM(m.size), 0) FROM message m WHERE m.mailbox_id = b.id)"),
                "used_bytes in step with the message rows");
    }

    private Set<BlobId> blobFiles() throws IOException {
        try (Stream<Path> s = Files.walk(blobRoot)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.getParent().getFileName().toString().equals("tmp"))
                    .map(p -> BlobId.of(p.getFileName().toString())).collect(Collectors.toSet());
        }
    }

    private static List<Long> uids(FolderView v) {
        return v.messages().stream().map(MessageInfo::uid).toList();
    }

    // ---- folders ----

    @Test
    void foldersAreCreatedListedAndRefusedTwice() {
        FolderInfo work = boxes.createFolder(ALICE, "Work", null);
        FolderInfo sent = boxes.createFolder(ALICE, "Sent", "\\Sent");
        assertTrue(sent.uidValidity() > work.uidValidity(), "UIDVALIDITY from the counter");
        assertEquals(1, work.uidNext());
        assertEquals(1, work.highestModseq(), "a MODSEQ is positive");
        assertFalse(work.subscribed(), "CREATE does not subscribe");
        assertThrows(FolderExistsException.class, () -> boxes.createFolder(ALICE, "Work", null));
        boxes.createFolder(BOB, "Work", null);
        assertEquals(List.of("Sent", "Work"), boxes.folders(ALICE).stream().map(FolderInfo::name).toList());
        assertEquals(List.of(new MailboxRepository.FolderName("Sent", "\\Sent"), new MailboxRepository.FolderName("Work", null)),
                boxes.folderNames(ALICE), "the same folders, only not counted");
        assertEquals("\\Sent", info(ALICE, "Sent").specialUse());
        assertTrue(heard.contains("mail " + ALICE));
        boxes.setSubscribed(ALICE, "Work", true);
        assertTrue(info(ALICE, "Work").subscribed());
        assertThrows(FolderNotFoundException.class, () -> boxes.setSubscribed(ALICE, "Nope", true));
    }

    @Test
    void oneMessageIsReadByItsKeyWithTheServerThatDeliveredIt() throws IOException {
        byte[] bytes = "Subject: s\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8);
        BlobId body = blobs.put(new ByteArrayInputStream(bytes));
        messages.append(ALICE, "INBOX", new IncomingMessage(ALICE, MailAddress.parse("alice@example.net"), "x@example.org",
                new org.postern.api.mail.SendingServer("192.0.2.7", "mx.sender.example", "mail.sender.example"), body,
                bytes.length, NOW));
        deliver(ALICE, "INBOX", "Subject: t\r\n\r\ny\r\n");
        long v = info(ALICE, "INBOX").uidValidity();
        var first = boxes.message(ALICE, "INBOX", v, 1).orElseThrow();
        assertEquals(1, first.uid());
        assertEquals(bytes.length, first.size());
        assertEquals(NOW, first.internalDate());
        assertTrue(boxes.message(ALICE, "INBOX", v, 3).isEmpty());
        assertTrue(boxes.message(ALICE, "INBOX", v + 1, 1).isEmpty(), "another UIDVALIDITY");
        assertTrue(boxes.message(BOB, "INBOX", v, 1).isEmpty(), "another account");
        var server = boxes.sendingServer(ALICE, "INBOX", v, 1).orElseThrow();
        assertEquals("192.0.2.7", server.ip());
        assertEquals("mx.sender.example", server.ehloName());
        assertEquals("mail.sender.example", server.confirmedName());
        assertTrue(boxes.sendingServer(ALICE, "INBOX", v, 2).isEmpty(), "delivered without one recorded");
        assertTrue(boxes.sendingServer(BOB, "INBOX", v, 1).isEmpty());
    }

    @Test
    void ensureFolderCreatesOnceAndGivesAnExistingFolderItsSpecialUse() throws IOException {
        deliver(ALICE, "Junk", "spam\r\n"); // a filter filed into Junk before any login
        assertTrue(boxes.ensureFolder(ALICE, "INBOX", null));
        assertFalse(boxes.ensureFolder(ALICE, "INBOX", null));
        assertFalse(boxes.ensureFolder(ALICE, "Junk", "\\Junk"));
        assertEquals("\\Junk", info(ALICE, "Junk").specialUse());
        assertTrue(info(ALICE, "INBOX").subscribed());
        boxes.renameFolder(ALICE, "Junk", "Spam");
        assertFalse(boxes.ensureFolder(ALICE, "Junk", "\\Junk"), "a folder has \\Junk already: no second one");
        assertEquals(List.of("INBOX", "Spam"), boxes.folders(ALICE).stream().map(FolderInfo::name).toList());
    }

    @Test
    void noFolderForARemovedAccount() {
        assertTrue(accounts.markRemoved(BOB));
        assertThrows(AccountGoneException.class, () -> boxes.createFolder(BOB, "Work", null));
        assertThrows(AccountGoneException.class, () -> boxes.ensureFolder(BOB, "INBOX", null));
        assertTrue(heard.contains("mail " + BOB), "removal announces the mail gone");
    }

    @Test
    void renamingMovesTheFolderAndTheFoldersBelowItKeepingUidValidity() throws IOException {
        boxes.createFolder(ALICE, "a/b", null);
        boxes.createFolder(ALICE, "a/b/b", null);
        boxes.createFolder(ALICE, "a/bc", null);
        append(ALICE, "a/b/b", "x\r\n", Set.of(), 0);
        long validity = info(ALICE, "a/b/b").uidValidity();
        boxes.renameFolder(ALICE, "a/b", "a");
        assertEquals(List.of("a", "a/b", "a/bc"), boxes.folders(ALICE).stream().map(FolderInfo::name).toList());
        assertEquals(validity, info(ALICE, "a/b").uidValidity());
        assertEquals(1, info(ALICE, "a/b").messages());
        assertThrows(FolderNotFoundException.class, () -> boxes.renameFolder(ALICE, "nope", "x"));
        assertThrows(FolderExistsException.class, () -> boxes.renameFolder(ALICE, "a/bc", "a/b"));
        assertThrows(IllegalArgumentException.class, () -> boxes.renameFolder(ALICE, "a", "a/x"));
        assertThrows(IllegalArgumentException.class, () -> boxes.renameFolder(ALICE, "a", "y".repeat(255)),
                "a/b would become longer than 255");
        assertUsageInStep();
    }

    @Test
    void renamingInboxMovesItsMessagesToANewFolderAndLeavesItEmpty() throws IOException {
        deliver(ALICE, "INBOX", "one\r\n");
        deliver(ALICE, "INBOX", "two\r\n");
        boxes.createFolder(ALICE, "INBOX/child", null);
        FolderInfo before = info(ALICE, "INBOX");
        boxes.renameFolder(ALICE, "INBOX", "Old");
        FolderInfo inbox = info(ALICE, "INBOX");
        FolderInfo old = info(ALICE, "Old");
        assertEquals(0, inbox.messages());
        assertEquals(0, inbox.size());
        assertEquals(before.uidValidity(), inbox.uidValidity());
        assertEquals(before.uidNext(), inbox.uidNext(), "UIDs are never reused in INBOX");
        assertTrue(inbox.highestModseq() > before.highestModseq());
        assertEquals(2, old.messages());
        assertEquals(before.size(), old.size());
        assertTrue(old.uidValidity() > before.uidValidity());
        assertTrue(boxes.folder(ALICE, "INBOX/child").isPresent(), "INBOX's children stay");
        assertEquals(3, messages.append(ALICE, "INBOX", new IncomingMessage(ALICE,
                MailAddress.parse("alice@example.net"), "", null, BlobId.of("c".repeat(32)), 1, NOW)));
        assertUsageInStep();
    }

    @Test
    void deletingAFolderDeletesItsMessagesAndTheirBodies() throws Exception {
        BlobId a = deliver(ALICE, "INBOX", "one\r\n");
        boxes.createFolder(ALICE, "Work", null);
        long validity = info(ALICE, "INBOX").uidValidity();
        boxes.copy(ALICE, "INBOX", validity, List.of(1L), "Work", false, 0);
        AppendResult two = append(ALICE, "Work", "two\r\n", Set.of(), 0);
        BlobId b = boxes.body(ALICE, "Work", two.uidValidity(), two.uid()).orElseThrow();
        assertEquals(Set.of(a, b), blobFiles());
        boxes.deleteFolder(ALICE, "Work");
        assertTrue(boxes.folder(ALICE, "Work").isEmpty());
        assertThrows(FolderNotFoundException.class, () -> boxes.deleteFolder(ALICE, "Work"));
        reaper.deletePending();
        assertEquals(Set.of(a), blobFiles(), "the shared body stays for INBOX's message; Work's own is gone");
        assertEquals(0, rows("SELECT COUNT(*) FROM pending_blob_deletion"));
        assertUsageInStep();
    }

    // ---- messages ----

    @Test
    void uidsGrowAndEveryChangeTakesANewModseq() throws IOException {
        boxes.createFolder(ALICE, "Work", null);
        AppendResult first = append(ALICE, "Work", "one\r\n", Set.of("\\Seen"), 0);
        AppendResult second = append(ALICE, "Work", "two\r\n", Set.of(), 0);
        assertEquals(1, first.uid());
        assertEquals(2, second.uid());
        assertEquals(info(ALICE, "Work").uidValidity(), first.uidValidity());
        FolderView v = boxes.view(ALICE, "Work");
        assertEquals(List.of(1L, 2L), uids(v));
        assertEquals(2, v.folder().messages());
        assertEquals(1, v.folder().unseen());
        assertEquals(1, info(ALICE, "Work").unseen(), "the listing counts \\Seen the same way");
        assertEquals(Set.of("\\Seen"), v.messages().get(0).flags());
        assertEquals(NOW, v.messages().get(0).internalDate());
        long modseq = v.folder().highestModseq();
        assertEquals(modseq, v.messages().get(1).modseq());

        StoreResult r = boxes.storeFlags(ALICE, "Work", first.uidValidity(), List.of(1L, 2L, 99L), FlagUpdate.ADD,
                Set.of("\\Flagged", "$Work"), 0);
        assertEquals(List.of(1L, 2L), r.updated().stream().map(MessageInfo::uid).toList());
        assertTrue(r.updated().stream().allMatch(m -> m.modseq() == modseq + 1));
        assertEquals(Set.of("\\Seen", "\\Flagged", "$Work"), r.updated().get(0).flags());
        assertEquals(modseq + 1, info(ALICE, "Work").highestModseq());

        StoreResult same = boxes.storeFlags(ALICE, "Work", first.uidValidity(), List.of(1L), FlagUpdate.ADD,
                Set.of("$work"), 0);
        assertEquals(List.of(), same.updated(), "a keyword in another case is the same keyword: no change");
        assertEquals(modseq + 1, info(ALICE, "Work").highestModseq(), "no change, no MODSEQ");

        FolderChanges ch = boxes.changes(ALICE, "Work", first.uidValidity(), modseq);
        assertEquals(2, ch.changed().size());
        assertEquals(null, ch.uids(), "nothing ever expunged: no UID list to read");
        assertEquals(modseq + 1, ch.highestModseq());
        assertEquals(3, ch.uidNext());
        assertEquals(first.uidValidity(), ch.uidValidity());
        assertEquals(List.of(), boxes.changes(ALICE, "Work", first.uidValidity(), modseq + 1).changed(),
                "nothing above the newest MODSEQ");
        boxes.storeFlags(ALICE, "Work", first.uidValidity(), List.of(2L), FlagUpdate.REMOVE, Set.of("\\flagged"), 0);
        FolderChanges ch2 = boxes.changes(ALICE, "Work", first.uidValidity(), modseq + 1);
        assertEquals(List.of(2L), ch2.changed().stream().map(MessageInfo::uid).toList());
        assertEquals(Set.of("$Work"), ch2.changed().get(0).flags());
        boxes.storeFlags(ALICE, "Work", first.uidValidity(), List.of(2L), FlagUpdate.REPLACE, Set.of(), 0);
        assertEquals(Set.of(), boxes.view(ALICE, "Work").messages().get(1).flags());
        assertThrows(FolderNotFoundException.class,
                () -> boxes.changes(ALICE, "Work", first.uidValidity() + 1, 0), "another UIDVALIDITY");
        assertThrows(FolderNotFoundException.class, () -> boxes.view(ALICE, "Nope"));
    }

    @Test
    void condstoreLeavesMessagesChangedSinceAloneAndReportsThem() throws IOException {
        boxes.createFolder(ALICE, "Work", null);
        long validity = append(ALICE, "Work", "one\r\n", Set.of(), 0).uidValidity();
        append(ALICE, "Work", "two\r\n", Set.of(), 0);
        long seenBy = info(ALICE, "Work").highestModseq();
        boxes.storeFlags(ALICE, "Work", validity, List.of(2L), FlagUpdate.ADD, Set.of("\\Answered"), 0);
        StoreResult r = boxes.storeFlags(ALICE, "Work", validity, List.of(1L, 2L), FlagUpdate.ADD, Set.of("\\Seen"),
                seenBy);
        assertEquals(List.of(2L), r.conflicts());
        assertEquals(List.of(1L), r.updated().stream().map(MessageInfo::uid).toList());
        assertEquals(Set.of("\\Answered"), boxes.view(ALICE, "Work").messages().get(1).flags());
    }

    @Test
    void expungeDeletesOnlyDeletedMessagesAndKeepsABodyACopyStillUses() throws Exception {
        BlobId one = deliver(ALICE, "INBOX", "one\r\n");
        BlobId two = deliver(ALICE, "INBOX", "two\r\n");
        BlobId three = deliver(ALICE, "INBOX", "three\r\n");
        boxes.createFolder(ALICE, "Archive", "\\Archive");
        long validity = info(ALICE, "INBOX").uidValidity();
        boxes.copy(ALICE, "INBOX", validity, List.of(1L), "Archive", false, 0);
        boxes.storeFlags(ALICE, "INBOX", validity, List.of(1L, 2L, 3L), FlagUpdate.ADD, Set.of("\\Deleted"), 0);
        long modseq = info(ALICE, "INBOX").highestModseq();

        assertEquals(List.of(1L, 2L), boxes.expunge(ALICE, "INBOX", validity, List.of(1L, 2L)));
        assertEquals(List.of(3L), uids(boxes.view(ALICE, "INBOX")), "3 was not in the set");
        assertEquals(modseq + 1, info(ALICE, "INBOX").highestModseq());
        assertEquals(List.of(3L), java.util.Arrays.stream(boxes.changes(ALICE, "INBOX", validity, modseq).uids()).boxed()
                .toList(), "a session synced before the expunge reads the UIDs that are left");
        assertEquals(null, boxes.changes(ALICE, "INBOX", validity, modseq + 1).uids(), "one synced after it does not");
        assertUsageInStep();
        reaper.deletePending();
        assertEquals(Set.of(one, three), blobFiles(), "one stays: Archive's copy refers to it");
        assertEquals(0, rows("SELECT COUNT(*) FROM pending_blob_deletion"));

        assertEquals(List.of(3L), boxes.expunge(ALICE, "INBOX", validity, null));
        assertEquals(List.of(), boxes.expunge(ALICE, "INBOX", validity, null), "nothing left to expunge");
        long archive = info(ALICE, "Archive").uidValidity();
        boxes.storeFlags(ALICE, "Archive", archive, List.of(1L), FlagUpdate.ADD, Set.of("\\Deleted"), 0);
        assertEquals(List.of(1L), boxes.expunge(ALICE, "Archive", archive, null));
        reaper.deletePending();
        assertEquals(Set.of(), blobFiles(), "the last copy gone, the body is gone");
        assertFalse(blobFiles().contains(two));
        assertThrows(FolderNotFoundException.class, () -> boxes.expunge(ALICE, "INBOX", validity + 1, null));
    }

    @Test
    void aRecordWrittenWhileTheReaperKeptTheBodyIsNotLost() throws Exception {
        BlobId one = deliver(ALICE, "INBOX", "one\r\n");
        boxes.createFolder(ALICE, "Archive", null);
        long validity = info(ALICE, "INBOX").uidValidity();
        boxes.copy(ALICE, "INBOX", validity, List.of(1L), "Archive", false, 0);
        messages.delete(ALICE, "INBOX", validity, List.of(1L));
        // What the reaper does for a body still referenced: forget the records only while a row refers to it.
        assertEquals(1, PendingDeletions.keptForAnotherMessage(db, one));
        messages.delete(ALICE, "Archive", info(ALICE, "Archive").uidValidity(), List.of(1L));
        assertEquals(0, PendingDeletions.keptForAnotherMessage(db, one), "no row left: the record stays");
        assertEquals(1, reaper.deletePending());
        assertEquals(Set.of(), blobFiles());
    }

    @Test
    void copyAndMoveGiveNewUidsInOrderAndKeepFlagsAndDates() throws IOException {
        boxes.createFolder(ALICE, "Work", null);
        boxes.createFolder(ALICE, "Old", null);
        for (int i = 0; i < 4; i++) {
            append(ALICE, "Work", "message " + i + "\r\n", i == 2 ? Set.of("\\Flagged") : Set.of(), 0);
        }
        append(ALICE, "Old", "already there\r\n", Set.of(), 0);
        long work = info(ALICE, "Work").uidValidity();
        FolderInfo oldBefore = info(ALICE, "Old");

        CopyResult copy = boxes.copy(ALICE, "Work", work, List.of(4L, 3L, 1L, 77L), "Old", false, 0);
        assertEquals(oldBefore.uidValidity(), copy.targetUidValidity());
        assertEquals(List.of(1L, 3L, 4L), copy.sourceUids());
        assertEquals(List.of(2L, 3L, 4L), copy.targetUids());
        FolderView old = boxes.view(ALICE, "Old");
        assertEquals(Set.of("\\Flagged"), old.messages().get(2).flags(), "Work's 3 is Old's 3");
        assertEquals(NOW, old.messages().get(2).internalDate());
        assertTrue(old.messages().stream().skip(1).allMatch(m -> m.modseq() == oldBefore.highestModseq() + 1));
        assertEquals(4, uids(boxes.view(ALICE, "Work")).size(), "a copy leaves the source");
        assertUsageInStep();

        long workModseq = info(ALICE, "Work").highestModseq();
        CopyResult move = boxes.copy(ALICE, "Work", work, List.of(2L, 4L), "Old", true, 1);
        assertEquals(List.of(2L, 4L), move.sourceUids());
        assertEquals(List.of(5L, 6L), move.targetUids());
        assertEquals(List.of(1L, 3L), uids(boxes.view(ALICE, "Work")));
        assertEquals(workModseq + 1, info(ALICE, "Work").highestModseq());
        assertEquals(0, rows("SELECT COUNT(*) FROM pending_blob_deletion"), "a move deletes no body");
        assertUsageInStep();

        assertEquals(List.of(), boxes.copy(ALICE, "Work", work, List.of(2L), "Old", false, 0).sourceUids(),
                "moved away: nothing to copy");
        assertThrows(FolderNotFoundException.class, () -> boxes.copy(ALICE, "Work", work, List.of(1L), "Nope", false, 0));
        assertThrows(FolderNotFoundException.class, () -> boxes.copy(ALICE, "Work", work + 1, List.of(1L), "Old", false, 0));
        CopyResult self = boxes.copy(ALICE, "Work", work, List.of(1L), "Work", false, 0);
        assertEquals(List.of(5L), self.targetUids(), "a copy into the same folder gets a new UID");
        assertUsageInStep();
    }

    // ---- parsed structures (V008) ----

    private static byte[] structure(int seed, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed + i); // every octet value, NUL and 0xFF included
        }
        return b;
    }

    private static java.util.Map<Long, byte[]> stored(List<org.postern.core.store.MailboxRepository.StoredStructure> l) {
        java.util.Map<Long, byte[]> m = new java.util.TreeMap<>();
        for (org.postern.core.store.MailboxRepository.StoredStructure s : l) {
            m.put(s.uid(), s.structure());
        }
        return m;
    }

    @Test
    void structuresAreKeptWithTheRowCopiedMovedAndBackfilledOnlyWhereMissing() throws IOException {
        byte[] delivered = structure(1, 300);
        byte[] appended = structure(7, org.postern.core.store.MessageRepository.MAX_STRUCTURE);
        byte[] bytes = "Subject: a\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8);
        BlobId body = blobs.put(new ByteArrayInputStream(bytes));
        messages.append(ALICE, "INBOX", new IncomingMessage(ALICE, MailAddress.parse("alice@example.net"),
                "x@example.org", null, body, bytes.length, NOW), delivered);
        BlobId second = blobs.put(new ByteArrayInputStream(bytes));
        boxes.append(ALICE, "INBOX", second, bytes.length, Set.of(), NOW, 0, appended);
        deliver(ALICE, "INBOX", "Subject: old\r\n\r\nfiled without one\r\n");
        long inbox = info(ALICE, "INBOX").uidValidity();

        List<org.postern.core.store.MailboxRepository.StoredStructure> read =
                boxes.structures(ALICE, "INBOX", inbox, List.of(3L, 1L, 2L, 99L));
        assertEquals(List.of(1L, 2L, 3L), read.stream().map(r -> r.uid()).toList(), "ascending, 99 is not there");
        assertEquals(body, read.get(0).body());
        assertEquals(second, read.get(1).body());
        org.junit.jupiter.api.Assertions.assertArrayEquals(delivered, read.get(0).structure());
        org.junit.jupiter.api.Assertions.assertArrayEquals(appended, read.get(1).structure(), "the longest kept");
        assertEquals(null, read.get(2).structure(), "a message filed without one has none");

        // lazy backfill: only where missing, never over a stored one, not a change clients see
        long modseq = info(ALICE, "INBOX").highestModseq();
        heard.clear();
        assertEquals(1, boxes.backfillStructures(ALICE, "INBOX", inbox,
                java.util.Map.of(1L, structure(99, 10), 3L, structure(3, 20), 77L, structure(4, 5))));
        java.util.Map<Long, byte[]> now = stored(boxes.structures(ALICE, "INBOX", inbox, List.of(1L, 2L, 3L)));
        org.junit.jupiter.api.Assertions.assertArrayEquals(delivered, now.get(1L), "not overwritten");
        org.junit.jupiter.api.Assertions.assertArrayEquals(structure(3, 20), now.get(3L), "filled in");
        assertEquals(modseq, info(ALICE, "INBOX").highestModseq(), "no new MODSEQ");
        assertEquals(List.of(), heard, "nothing announced");
        assertEquals(0, boxes.backfillStructures(ALICE, "INBOX", inbox + 1, java.util.Map.of(3L, structure(5, 5))),
                "another UIDVALIDITY: nothing written");

        // copies and moves carry it, like the body
        boxes.createFolder(ALICE, "Work", null);
        CopyResult copy = boxes.copy(ALICE, "INBOX", inbox, List.of(1L, 2L, 3L), "Work", false, 0);
        long work = info(ALICE, "Work").uidValidity();
        java.util.Map<Long, byte[]> copied = stored(boxes.structures(ALICE, "Work", work, copy.targetUids()));
        org.junit.jupiter.api.Assertions.assertArrayEquals(delivered, copied.get(copy.targetUids().get(0)));
        org.junit.jupiter.api.Assertions.assertArrayEquals(appended, copied.get(copy.targetUids().get(1)));
        org.junit.jupiter.api.Assertions.assertArrayEquals(structure(3, 20), copied.get(copy.targetUids().get(2)));
        boxes.createFolder(ALICE, "Old", null);
        long beforeMove = info(ALICE, "Work").highestModseq();
        CopyResult move = boxes.copy(ALICE, "Work", work, copy.targetUids(), "Old", true, 0);
        assertEquals(0, boxes.changes(ALICE, "Work", work, beforeMove).uids().length,
                "a move empties the source: a session synced before it reads the (empty) UID list");
        java.util.Map<Long, byte[]> moved = stored(boxes.structures(ALICE, "Old", info(ALICE, "Old").uidValidity(),
                move.targetUids()));
        org.junit.jupiter.api.Assertions.assertArrayEquals(appended, moved.get(move.targetUids().get(1)));
        assertEquals(List.of(), boxes.structures(ALICE, "Work", work, copy.targetUids()), "moved away");

        // renaming INBOX moves its rows, structures with them
        boxes.renameFolder(ALICE, "INBOX", "Kept");
        org.junit.jupiter.api.Assertions.assertArrayEquals(delivered, stored(boxes.structures(ALICE, "Kept",
                info(ALICE, "Kept").uidValidity(), List.of(1L))).get(1L));

        assertThrows(FolderNotFoundException.class, () -> boxes.structures(ALICE, "Nope", 1, List.of(1L)));
        assertThrows(FolderNotFoundException.class, () -> boxes.structures(ALICE, "Kept", inbox + 12345, List.of(1L)));
        assertThrows(IllegalArgumentException.class, () -> boxes.append(ALICE, "Kept", second, bytes.length, Set.of(),
                NOW, 0, structure(1, org.postern.core.store.MessageRepository.MAX_STRUCTURE + 1)), "longer than the column");
        assertUsageInStep();
    }

    // ---- quota ----

    @Test
    void usageFollowsEveryOperationAndTheLimitIsEnforcedForAppendAndCopy() throws IOException {
        deliver(ALICE, "INBOX", "12345678\r\n"); // 10 octets
        assertEquals(10, boxes.usedBytes(ALICE));
        boxes.createFolder(ALICE, "Work", null);
        append(ALICE, "Work", "1234\r\n", Set.of(), 0); // 6
        assertEquals(16, boxes.usedBytes(ALICE));
        long inbox = info(ALICE, "INBOX").uidValidity();
        boxes.copy(ALICE, "INBOX", inbox, List.of(1L), "Work", false, 0);
        assertEquals(26, boxes.usedBytes(ALICE));
        assertEquals(16, info(ALICE, "Work").size());

        assertThrows(OverQuotaException.class, () -> boxes.copy(ALICE, "INBOX", inbox, List.of(1L), "Work", false, 35));
        assertThrows(OverQuotaException.class, () -> append(ALICE, "Work", "1234567890\r\n", Set.of(), 37));
        assertEquals(26, boxes.usedBytes(ALICE), "nothing filed when refused");
        append(ALICE, "Work", "12\r\n", Set.of(), 30); // exactly up to the limit is allowed
        assertEquals(30, boxes.usedBytes(ALICE));
        boxes.copy(ALICE, "INBOX", inbox, List.of(1L), "Work", true, 30);
        assertEquals(30, boxes.usedBytes(ALICE), "a move does not change the usage and is never refused");

        long work = info(ALICE, "Work").uidValidity();
        boxes.storeFlags(ALICE, "Work", work, List.of(1L), FlagUpdate.ADD, Set.of("\\Deleted"), 0);
        boxes.expunge(ALICE, "Work", work, null);
        assertEquals(24, boxes.usedBytes(ALICE));
        messages.delete(ALICE, "Work", work, List.of(2L));
        assertEquals(14, boxes.usedBytes(ALICE));
        boxes.deleteFolder(ALICE, "Work");
        assertEquals(0, boxes.usedBytes(ALICE));
        assertUsageInStep();
        deliver(BOB, "INBOX", "bob\r\n");
        assertEquals(5, boxes.usedBytes(BOB));
        assertEquals(0, boxes.usedBytes(ALICE), "per account");
    }

    @Test
    void theAccountsOwnLimitIsKeptOrCleared() {
        assertEquals(OptionalLong.empty(), boxes.quotaBytes(ALICE), "the default applies");
        assertTrue(boxes.setQuotaBytes(ALICE, 500L * 1024 * 1024));
        assertEquals(OptionalLong.of(500L * 1024 * 1024), boxes.quotaBytes(ALICE));
        assertTrue(boxes.setQuotaBytes(ALICE, 0L));
        assertEquals(OptionalLong.of(0), boxes.quotaBytes(ALICE), "0: no limit");
        assertTrue(boxes.setQuotaBytes(ALICE, null));
        assertEquals(OptionalLong.empty(), boxes.quotaBytes(ALICE));
        assertFalse(boxes.setQuotaBytes("c".repeat(32), 1L));
        assertThrows(IllegalArgumentException.class, () -> boxes.setQuotaBytes(ALICE, -1L));
        assertTrue(heard.contains("mail " + ALICE));
    }

    @Test
    void usageReadsTheUsedOctetsAndTheOwnLimitTogether() throws IOException {
        assertEquals(new MailboxRepository.Usage(0, OptionalLong.empty()), boxes.usage(ALICE));
        deliver(ALICE, "INBOX", "12345678\r\n"); // 10 octets
        boxes.createFolder(ALICE, "Work", null);
        append(ALICE, "Work", "1234\r\n", Set.of(), 0); // 6, in another folder
        deliver(BOB, "INBOX", "bob\r\n");
        assertEquals(new MailboxRepository.Usage(16, OptionalLong.empty()), boxes.usage(ALICE), "every folder, no own limit");
        assertTrue(boxes.setQuotaBytes(ALICE, 1000L));
        assertEquals(new MailboxRepository.Usage(16, OptionalLong.of(1000)), boxes.usage(ALICE));
        assertTrue(boxes.setQuotaBytes(ALICE, 0L));
        assertEquals(new MailboxRepository.Usage(16, OptionalLong.of(0)), boxes.usage(ALICE), "0: no limit, kept as such");
        assertEquals(new MailboxRepository.Usage(5, OptionalLong.empty()), boxes.usage(BOB), "per account");
        assertEquals(new MailboxRepository.Usage(0, OptionalLong.empty()), boxes.usage("c".repeat(32)), "no such account");
    }

    @Test
    void appendRefusesAMissingFolderAndARemovedAccount() throws IOException {
        assertThrows(FolderNotFoundException.class, () -> append(ALICE, "Nope", "x\r\n", Set.of(), 0));
        boxes.createFolder(BOB, "Work", null);
        assertTrue(accounts.markRemoved(BOB));
        assertThrows(AccountGoneException.class, () -> append(BOB, "Work", "x\r\n", Set.of(), 0));
        assertEquals(Optional.empty(), boxes.body(BOB, "Work", 1, 1));
    }

    @Test
    void deliveriesAndPop3DeletionsAnnounceMail() throws IOException {
        deliver(ALICE, "INBOX", "one\r\n");
        assertEquals(List.of("mail " + ALICE), heard);
        heard.clear();
        messages.delete(ALICE, "INBOX", info(ALICE, "INBOX").uidValidity(), List.of(1L));
        assertEquals(List.of("mail " + ALICE), heard);
        assertUsageInStep();
        assertEquals(0, info(ALICE, "INBOX").size());
    }

    @Test
    void manyUidsAtOnce() throws IOException {
        boxes.createFolder(ALICE, "Work", null);
        List<Long> all = new ArrayList<>();
        for (int i = 1; i <= JdbcMailboxRepository.READ_WHOLE_ABOVE + 20; i++) {
            deliver(ALICE, "Work", "m" + i + "\r\n");
            all.add((long) i);
        }
        long v = info(ALICE, "Work").uidValidity();
        assertEquals(all.size(), boxes.storeFlags(ALICE, "Work", v, all, FlagUpdate.ADD, Set.of("\\Deleted"), 0)
                .updated().size());
        assertEquals(all, boxes.expunge(ALICE, "Work", v, all));
        assertUsageInStep();
    }
}
