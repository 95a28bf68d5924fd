package org.postern.mailstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.postern.api.account.Account;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;
import org.postern.api.mail.FolderExistsException;
import org.postern.api.mail.FolderNotFoundException;
import org.postern.api.mail.Mailboxes;
import org.postern.api.mail.Mailboxes.AppendResult;
import org.postern.api.mail.Mailboxes.CopyResult;
import org.postern.api.mail.Mailboxes.FlagUpdate;
import org.postern.api.mail.Mailboxes.FolderChanges;
import org.postern.api.mail.Mailboxes.FolderInfo;
import org.postern.api.mail.Mailboxes.FolderView;
import org.postern.api.mail.Mailboxes.StoreResult;
import org.postern.api.mail.OverQuotaException;
import org.postern.api.store.BlobId;
import org.postern.core.store.MailboxRepository;
import org.postern.core.store.StoreException;
import org.postern.core.store.StoreUnavailableException;

/**
 * What the mail store adds to the store's rows: names (INBOX in any case, limits), flags, default
 * folders, the quota's limit, and append's bodies. The rows' own behaviour (UIDs, MODSEQ,
 * CONDSTORE, expunge, copy, rename, usage) is tested on both databases in the store bundle
 * ({@code MailboxRepositoryTest}).
 */
class MailboxesServiceTest {
    private static final String ALICE = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    private static final long MIB = 1024 * 1024;

    /** Records what it is asked; folders by name, usage and limit as a test sets them. */
    static final class Repo implements MailboxRepository {
        final List<String> calls = new ArrayList<>();
        final Map<String, FolderInfo> folders = new java.util.TreeMap<>();
        long used;
        OptionalLong quota = OptionalLong.empty();
        RuntimeException appendFails;
        long lastLimit = -1;
        Set<String> lastFlags;

        void add(String name, String use) {
            folders.put(name, new FolderInfo(name, use, true, 9, 1, 1, 0, 0, 0));
        }

        @Override
        public List<FolderInfo> folders(String accountId) {
            return List.copyOf(folders.values());
        }

        @Override
        public List<FolderName> folderNames(String accountId) {
            return folders.values().stream().map(f -> new FolderName(f.name(), f.specialUse())).toList();
        }

        @Override
        public Optional<FolderInfo> folder(String accountId, String name) {
            return Optional.ofNullable(folders.get(name));
        }

        @Override
        public FolderInfo createFolder(String accountId, String name, String specialUse) {
            if (folders.containsKey(name)) {
                throw new FolderExistsException(name);
            }
            calls.add("create " + name);
            add(name, specialUse);
            return folders.get(name);
        }

        @Override
        public boolean ensureFolder(String accountId, String name, String specialUse) {
            calls.add("ensure " + name + " " + specialUse);
            if (folders.containsKey(name)) {
                return false;
            }
            add(name, specialUse);
            return true;
        }

        @Override
        public void deleteFolder(String accountId, String name) {
            calls.add("delete " + name);
        }

        @Override
        public void renameFolder(String accountId, String from, String to) {
            calls.add("rename " + from + " " + to);
        }

        @Override
        public void setSubscribed(String accountId, String name, boolean subscribed) {
            calls.add("subscribe " + name + " " + subscribed);
        }

        @Override
        public FolderView view(String accountId, String name) {
            calls.add("view " + name);
            return new FolderView(folders.get(name), List.of());
        }

        @Override
        public FolderChanges changes(String accountId, String name, long uidValidity, long sinceModseq) {
            calls.add("changes " + name);
            FolderInfo f = folders.get(name);
            return new FolderChanges(f.name(), f.uidValidity(), f.uidNext(), f.highestModseq(), List.of(), new long[0]);
        }

        @Override
        public StoreResult storeFlags(String accountId, String folder, long uidValidity, Collection<Long> uids,
                FlagUpdate how, Set<String> flags, long unchangedSince) {
            lastFlags = flags;
            calls.add("store " + folder);
            return new StoreResult(List.of(), List.of());
        }

        @Override
        public List<Long> expunge(String accountId, String folder, long uidValidity, Collection<Long> uids) {
            calls.add("expunge " + folder);
            return List.of();
        }

        @Override
        public CopyResult copy(String accountId, String from, long uidValidity, Collection<Long> uids, String to,
                boolean move, long quotaLimit) {
            lastLimit = quotaLimit;
            calls.add((move ? "move " : "copy ") + from + " " + to);
            return new CopyResult(9, List.of(), List.of());
        }

        /** Message rows as the structure calls see them, by UID. */
        final Map<Long, StoredStructure> rows = new java.util.TreeMap<>();
        final List<Map<Long, byte[]>> backfills = new ArrayList<>();
        byte[] lastStructure;
        RuntimeException backfillFails;

        @Override
        public List<StoredStructure> structures(String accountId, String folder, long uidValidity,
                Collection<Long> uids) {
            calls.add("structures " + folder + " " + uids.size());
            return uids.stream().filter(rows::containsKey).sorted().map(rows::get).toList();
        }

        @Override
        public int backfillStructures(String accountId, String folder, long uidValidity, Map<Long, byte[]> structures) {
            if (backfillFails != null) {
                throw backfillFails;
            }
            backfills.add(Map.copyOf(structures));
            int n = 0;
            for (Map.Entry<Long, byte[]> e : structures.entrySet()) {
                StoredStructure r = rows.get(e.getKey());
                if (r != null && r.structure() == null) {
                    rows.put(r.uid(), new StoredStructure(r.uid(), r.body(), e.getValue()));
                    n++;
                }
            }
            return n;
        }

        @Override
        public AppendResult append(String accountId, String folder, BlobId body, long size, Set<String> flags,
                Instant internalDate, long quotaLimit, byte[] structure) {
            lastStructure = structure;
            lastLimit = quotaLimit;
            lastFlags = flags;
            if (appendFails != null) {
                throw appendFails;
            }
            if (!folders.containsKey(folder)) {
                throw new FolderNotFoundException(folder);
            }
            calls.add("append " + folder + " " + size);
            return new AppendResult(9, 1);
        }

        @Override
        public Optional<org.postern.api.mail.Mailboxes.MessageInfo> message(String accountId, String folder, long uidValidity,
                long uid) {
            return Optional.empty();
        }

        @Override
        public Optional<org.postern.api.mail.SendingServer> sendingServer(String accountId, String folder, long uidValidity,
                long uid) {
            return Optional.empty();
        }

        @Override
        public Optional<BlobId> body(String accountId, String folder, long uidValidity, long uid) {
            return Optional.empty();
        }

        @Override
        public long usedBytes(String accountId) {
            return used;
        }

        @Override
        public OptionalLong quotaBytes(String accountId) {
            return quota;
        }

        @Override
        public boolean setQuotaBytes(String accountId, Long bytes) {
            return true;
        }
    }

    /** Counts how much of a stream was read. */
    static final class Counted extends ByteArrayInputStream {
        Counted(String text) {
            super(text.getBytes(StandardCharsets.UTF_8));
        }

        boolean drained() {
            return available() == 0;
        }
    }

    private final Repo repo = new Repo();
    private final MailStoreServiceTest.Messages messages = new MailStoreServiceTest.Messages();
    private final MailStoreServiceTest.Blobs blobs = new MailStoreServiceTest.Blobs();
    private final MailboxesService boxes = new MailboxesService(repo, messages, blobs, 2048 * MIB);

    // ---- names ----

    @Test
    void inboxInAnyCaseIsInboxAlsoAsTheFirstLevel() {
        assertEquals("INBOX", MailboxesService.canonical("inbox"));
        assertEquals("INBOX", MailboxesService.canonical("InBoX"));
        assertEquals("INBOX/Work", MailboxesService.canonical("inbox/Work"));
        assertEquals("Inboxes", MailboxesService.canonical("Inboxes"));
        assertEquals("work/inbox", MailboxesService.canonical("work/inbox"));
        repo.add("INBOX", null);
        assertThrows(FolderExistsException.class, () -> boxes.createFolder(ALICE, "Inbox", null));
        boxes.view(ALICE, "inbox");
        assertEquals(List.of("view INBOX"), repo.calls);
    }

    @Test
    void newNamesAreCheckedAndRefusedWithIllegalArgument() {
        for (String bad : new String[] {"", "/a", "a/", "a//b", "x".repeat(256), "tab\there", null}) {
            assertThrows(IllegalArgumentException.class, () -> boxes.createFolder(ALICE, bad, null), String.valueOf(bad));
        }
        boxes.createFolder(ALICE, "x".repeat(255), null);
        boxes.createFolder(ALICE, "Work/2025/Q1", null);
        assertThrows(IllegalArgumentException.class, () -> boxes.createFolder(ALICE, "Odd", "\\Important"));
        assertThrows(IllegalArgumentException.class, () -> boxes.renameFolder(ALICE, "Work", "a//b"));
    }

    @Test
    void inboxCannotBeDeletedNorBeARenameTarget() {
        assertThrows(IllegalArgumentException.class, () -> boxes.deleteFolder(ALICE, "inbox"));
        assertThrows(FolderExistsException.class, () -> boxes.renameFolder(ALICE, "Work", "Inbox"));
        boxes.renameFolder(ALICE, "inbox", "Old mail");
        boxes.deleteFolder(ALICE, "Work");
        assertEquals(List.of("rename INBOX Old mail", "delete Work"), repo.calls);
    }

    // ---- flags ----

    @Test
    void systemFlagsAreCanonicalRecentIsDroppedAndKeywordsMustBeAtoms() {
        assertEquals(Set.of("\\Seen", "\\Answered", "$Label1"),
                MailboxesService.checkedFlags(Set.of("\\SEEN", "\\answered", "\\Recent", "$Label1")));
        assertThrows(IllegalArgumentException.class, () -> MailboxesService.checkedFlags(Set.of("\\Important")));
        for (String bad : new String[] {"two words", "par(en", "star*", "quo\"te", "back\\slash", "br]acket", ""}) {
            assertThrows(IllegalArgumentException.class, () -> MailboxesService.checkedFlags(Set.of(bad)), bad);
        }
        boxes.storeFlags(ALICE, "inbox", 9, List.of(1L), FlagUpdate.ADD, Set.of("\\flagged"), 0);
        assertEquals(Set.of("\\Flagged"), repo.lastFlags);
        assertEquals(List.of("store INBOX"), repo.calls);
    }

    // ---- default folders ----

    @Test
    void everyAccountGetsItsDefaultFoldersOnceAndAtCreation() {
        boxes.created(new Account(ALICE, MailAddress.parse("alice@example.net"), AccountStatus.ACTIVE, Instant.EPOCH,
                null));
        assertEquals(List.of("ensure INBOX null", "ensure Sent \\Sent", "ensure Drafts \\Drafts",
                "ensure Trash \\Trash", "ensure Junk \\Junk", "ensure Archive \\Archive"), repo.calls);
        repo.calls.clear();
        boxes.ensureDefaultFolders(ALICE);
        assertEquals(List.of(), repo.calls, "all there: one read, nothing written");
        repo.folders.remove("Junk");
        boxes.ensureDefaultFolders(ALICE);
        assertTrue(repo.calls.contains("ensure Junk \\Junk"));
        assertTrue(boxes.folder(ALICE, "Junk").isPresent());
    }

    // ---- quota ----

    @Test
    void theLimitIsTheAccountsOwnOrTheDefault() {
        repo.used = 5;
        assertEquals(new Mailboxes.QuotaUsage(5, 2048 * MIB), boxes.quota(ALICE));
        repo.quota = OptionalLong.of(500 * MIB);
        assertEquals(500 * MIB, boxes.quota(ALICE).limit());
        repo.quota = OptionalLong.of(0);
        assertEquals(0, boxes.quota(ALICE).limit(), "0: unlimited");
        assertFalse(boxes.quota(ALICE).over());
        MailboxesService unlimited = new MailboxesService(repo, messages, blobs, 0);
        repo.quota = OptionalLong.empty();
        assertEquals(0, unlimited.quota(ALICE).limit());
        repo.add("Work", null);
        repo.quota = OptionalLong.of(100);
        boxes.copy(ALICE, "inbox", 9, List.of(1L), "Work", false);
        assertEquals(100, repo.lastLimit, "the store refuses a copy above it");
        assertEquals(List.of("copy INBOX Work"), repo.calls);
    }

    @Test
    void aMalformedDefaultIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MailboxesService(repo, messages, blobs,
                config(-1), Map.of("quota.default.mb", "-1")));
        assertThrows(IllegalArgumentException.class, () -> new MailboxesService(repo, messages, blobs,
                config(0), Map.of("quota.default.mb", "lots")));
        assertEquals(10 * MIB, new MailboxesService(repo, messages, blobs, config(10), Map.of("quota.default.mb", "10"))
                .defaultQuotaBytes());
    }

    private static MailStoreConfig config(long mb) {
        return (MailStoreConfig) java.lang.reflect.Proxy.newProxyInstance(MailStoreConfig.class.getClassLoader(),
                new Class<?>[] {MailStoreConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "quota_default_mb" -> mb;
                    case "annotationType" -> MailStoreConfig.class;
                    default -> null;
                });
    }

    // ---- append ----

    @Test
    void appendWritesTheBodyFirstAndFilesIt() throws IOException {
        repo.add("INBOX", null);
        AppendResult r = boxes.append(ALICE, "inbox", new Counted("Subject: x\r\n\r\nhi\r\n"), Set.of("\\seen"), null);
        assertEquals(new AppendResult(9, 1), r);
        assertEquals(List.of("append INBOX 18"), repo.calls, "the size is the stored body's");
        assertEquals(Set.of("\\Seen"), repo.lastFlags);
        assertEquals(2048 * MIB, repo.lastLimit);
        assertEquals(1, blobs.stored.size());
    }

    @Test
    void appendFilesTheStructureOfTheBodyItWrote() throws IOException {
        repo.add("INBOX", null);
        boxes.append(ALICE, "INBOX", new Counted(MailStoreServiceTest.MULTIPART), Set.of(), null);
        assertEquals(parse(MailStoreServiceTest.MULTIPART), org.postern.mime.MessageStructure.fromBytes(repo.lastStructure));
    }

    private static org.postern.mime.MessageStructure parse(String text) throws IOException {
        byte[] raw = text.getBytes(StandardCharsets.ISO_8859_1);
        return org.postern.mime.MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
    }

    private BlobId body(String text) throws IOException {
        return blobs.put(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void structuresAreTheStoredOnesElseParsedOnceAndWrittenBack() throws IOException {
        repo.add("INBOX", null);
        String plain = "Subject: old\r\n\r\nfiled before V008\r\n";
        // 1: stored at delivery, and its body is gone: answered without reading it
        BlobId gone = body(MailStoreServiceTest.MULTIPART);
        repo.rows.put(1L, new MailboxRepository.StoredStructure(1, gone, parse(MailStoreServiceTest.MULTIPART).toBytes()));
        blobs.stored.remove(gone);
        // 2: filed before structures were kept
        BlobId old = body(plain);
        repo.rows.put(2L, new MailboxRepository.StoredStructure(2, old, null));
        // 3: none stored and no body: left out
        repo.rows.put(3L, new MailboxRepository.StoredStructure(3, BlobId.of("f".repeat(32)), null));
        // 4: a format this reader does not know (a newer node's): parsed, and not overwritten
        BlobId newer = body(plain);
        repo.rows.put(4L, new MailboxRepository.StoredStructure(4, newer, new byte[] {99, 1, 2}));

        Map<Long, byte[]> first = boxes.structures(ALICE, "inbox", 9, List.of(1L, 2L, 3L, 4L, 5L));
        assertEquals(Set.of(1L, 2L, 4L), first.keySet());
        assertEquals(parse(MailStoreServiceTest.MULTIPART), org.postern.mime.MessageStructure.fromBytes(first.get(1L)));
        assertEquals(parse(plain), org.postern.mime.MessageStructure.fromBytes(first.get(2L)));
        assertEquals(parse(plain), org.postern.mime.MessageStructure.fromBytes(first.get(4L)));
        assertEquals(List.of("structures INBOX 5"), repo.calls.stream().filter(c -> c.startsWith("structures")).toList(),
                "one query for the batch");
        assertEquals(1, repo.backfills.size(), "written back in one go");
        assertEquals(Set.of(2L), repo.backfills.get(0).keySet(), "only the one without a structure");

        // the next FETCH finds it stored: the body is not needed any more
        blobs.stored.remove(old);
        Map<Long, byte[]> second = boxes.structures(ALICE, "INBOX", 9, List.of(2L));
        assertEquals(parse(plain), org.postern.mime.MessageStructure.fromBytes(second.get(2L)));
        assertEquals(1, repo.backfills.size(), "nothing more to write");
    }

    @Test
    void aFailedWriteBackStillAnswers() throws IOException {
        repo.add("INBOX", null);
        String plain = "Subject: x\r\n\r\ny\r\n";
        repo.rows.put(1L, new MailboxRepository.StoredStructure(1, body(plain), null));
        repo.backfillFails = new org.postern.core.store.StoreUnavailableException("database went away", null);
        assertEquals(parse(plain), org.postern.mime.MessageStructure.fromBytes(
                boxes.structures(ALICE, "INBOX", 9, List.of(1L)).get(1L)));
    }

    @Test
    void aFailedAppendLeavesNoBody() throws IOException {
        repo.add("INBOX", null);
        repo.appendFails = new StoreException("database error: disk full", null);
        assertThrows(StoreException.class, () -> boxes.append(ALICE, "INBOX", new Counted("x\r\n"), Set.of(), null));
        assertEquals(0, blobs.stored.size());
        repo.appendFails = new OverQuotaException(ALICE);
        assertThrows(OverQuotaException.class, () -> boxes.append(ALICE, "INBOX", new Counted("x\r\n"), Set.of(), null));
        assertEquals(0, blobs.stored.size(), "over quota by this message's own size: its body is deleted");
        blobs.failDeletes = 1;
        assertThrows(OverQuotaException.class, () -> boxes.append(ALICE, "INBOX", new Counted("x\r\n"), Set.of(), null));
        assertEquals(1, messages.recorded.size(), "an undeletable body is recorded for the store's reaper");
    }

    @Test
    void aBodyAFailedCommitMayReferToIsLeftToTheOrphanSweep() throws IOException {
        repo.add("INBOX", null);
        repo.appendFails = new StoreUnavailableException("database unreachable", null);
        assertThrows(StoreUnavailableException.class,
                () -> boxes.append(ALICE, "INBOX", new Counted("x\r\n"), Set.of(), null));
        assertEquals(1, blobs.stored.size());
    }

    @Test
    void aMissingFolderIsRefusedBeforeTheQuotaAndBeforeAnyBodyIsWritten() throws IOException {
        repo.quota = OptionalLong.of(100);
        repo.used = 100;
        Counted missing = new Counted("x\r\n");
        assertThrows(FolderNotFoundException.class, () -> boxes.append(ALICE, "Nope", missing, Set.of(), null),
                "TRYCREATE, not OVERQUOTA");
        assertTrue(missing.drained());
        assertEquals(0, blobs.stored.size());
    }

    @Test
    void appendRefusedUpFrontWritesNothingButReadsTheContent() throws IOException {
        repo.add("INBOX", null);
        repo.quota = OptionalLong.of(100);
        repo.used = 100;
        Counted full = new Counted("x\r\n");
        assertThrows(OverQuotaException.class, () -> boxes.append(ALICE, "INBOX", full, Set.of(), null));
        assertTrue(full.drained());
        Counted badFlag = new Counted("x\r\n");
        repo.used = 0;
        assertThrows(IllegalArgumentException.class,
                () -> boxes.append(ALICE, "INBOX", badFlag, Set.of("\\Bogus"), null));
        assertTrue(badFlag.drained());
        assertEquals(0, blobs.stored.size());
        assertEquals(List.of(), repo.calls);
    }
}
