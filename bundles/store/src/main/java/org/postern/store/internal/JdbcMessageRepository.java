package org.postern.store.internal;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.postern.api.mail.AccountGoneException;
import org.postern.api.mail.FolderSnapshot;
import org.postern.api.mail.StoredMessage;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.SendingServer;
import org.postern.api.store.BlobId;
import org.postern.core.store.ChangeListener;
import org.postern.core.store.DuplicateKeyException;
import org.postern.core.store.MessageRepository;
import org.postern.core.store.StoreException;

@Component(service = MessageRepository.class)
public class JdbcMessageRepository implements MessageRepository {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database db;
    /**
     * Where bodies stored with {@code putForFiling} become durable: each filing waits for its
     * body's journal flush after its statements and before its commit, so the flush (started at
     * the put) overlaps them. A static reference: while this repository files, the blob store
     * that knows which of its bodies are still unflushed is the one it waits on (one that is
     * going away still answers: its close checkpoints every body). Null only in tests that
     * file without a blob store.
     */
    private final FileBlobStore blobs;

    /** Null without a blob journal (or in tests without a blob store): every filing at once. */
    private final JournaledFilings journaled;

    @Activate
    public JdbcMessageRepository(@Reference Database db, @Reference FileBlobStore blobs) {
        this(db, blobs, JournaledFilings.BATCH_MILLIS);
    }

    /** @param batchMillis how long the journaled filings' drainer gathers a batch (tests: long, to catch it unfiled) */
    JdbcMessageRepository(Database db, FileBlobStore blobs, long batchMillis) {
        this.db = db;
        this.blobs = blobs;
        this.journaled = blobs != null && blobs.journalId() != null ? new JournaledFilings(db, blobs, this, batchMillis) : null;
    }

    /** For tests: the journaled filings, or null. */
    JournaledFilings journaled() {
        return journaled;
    }

    @org.osgi.service.component.annotations.Deactivate
    void deactivate() {
        if (journaled != null) {
            journaled.close();
        }
    }

    /**
     * Journaled filing ({@link JournaledFilings}): returns once the filings and their bodies are
     * durable in the journal, UID 0 each (filed moments later, in the background); at once, as
     * {@link #appendAll}, when the journal cannot take them.
     */
    @Override
    public long[] appendAllJournaled(List<Filing> filings) {
        if (journaled != null && !filings.isEmpty()) {
            for (Filing f : filings) {
                if (f.structure() != null && (f.structure().length == 0 || f.structure().length > MAX_STRUCTURE)) {
                    Structures.encode(f.structure()); // refused now, as appendAll would, not in the drainer
                }
            }
            try {
                if (journaled.submit(filings)) {
                    return new long[filings.size()];
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("message not durable: " + e.getMessage(), e);
            }
            // filed at once: the bodies' flush runs under the filing's statements
            List<org.postern.api.store.BlobId> bodies = new java.util.ArrayList<>();
            for (Filing f : filings) {
                bodies.add(f.message().body());
            }
            blobs.startFlushOf(bodies);
        }
        return appendAll(filings);
    }

    /** The drainer's filing: one transaction for the batch, {@code extra} (its mark) first in it. */
    long[] fileJournaled(List<Filing> filings, Database.Work<Void> extra) {
        return appendAllAlone(filings, extra);
    }

    /** For tests without a blob store: bodies are taken as durable. */
    JdbcMessageRepository(Database db) {
        this(db, null, 0);
    }

    /** Before a filing commits: its bodies must be on disk (see {@link #blobs}). */
    private void awaitBodies(java.util.Collection<org.postern.api.store.BlobId> bodies) {
        if (blobs == null) {
            return;
        }
        try {
            blobs.awaitFiled(bodies);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("message body not durable: " + e.getMessage(), e);
        }
    }

    /**
     * Never files into a removed account: a folder is created only while the account row is
     * locked and not REMOVED, and {@code markRemoved} deletes the folders under that same lock.
     * A folder that vanishes between looking it up and locking it (the account was removed, or
     * later the folder deleted) is looked up, or created, once more.
     */
    @Override
    public long append(String accountId, String folder, IncomingMessage m, byte[] structure) {
        String stored = Structures.encode(structure);
        for (int attempt = 0; attempt < 2; attempt++) {
            Long uid = appendTo(mailbox(accountId, folder), m, stored);
            if (uid != null) {
                return uid;
            }
        }
        throw new StoreException("folder " + folder + " of account " + accountId + " vanished twice while filing into it",
                null);
    }

    /** @return the UID, or null when the folder no longer exists */
    private Long appendTo(String mailbox, IncomingMessage m, String structure) {
        return db.transaction(c -> {
            // markRemoved deletes the folders with the account under the mailbox locks; this
            // catches any other way of marking an account REMOVED that leaves its folders behind.
            // Read before the mailbox lock is taken: a folder being created holds the account row
            // and may wait for this mailbox's row (Derby checks the unique name), so reading the
            // account while holding the mailbox would deadlock.
            // Two statements, not a join: a join would hold the mailbox row while waiting for
            // the account row, the cycle just described.
            List<String> owner = Database.query(c, "SELECT account_id FROM mailbox WHERE id = ?",
                    ps -> ps.setString(1, mailbox), rs -> rs.getString(1).trim());
            if (owner.isEmpty()) {
                return null;
            }
            if (Database.query(c, "SELECT status FROM account WHERE id = ?", ps -> ps.setString(1, owner.get(0)),
                    rs -> rs.getString(1)).contains("REMOVED")) {
                throw new AccountGoneException(owner.get(0));
            }
            // The UPDATE row-locks the mailbox until commit: concurrent deliveries queue here and
            // each reads back its own UID. The folder's usage grows with the row (quotas, V007).
            if (Database.update(c, "UPDATE mailbox SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1, "
                    + "used_bytes = used_bytes + ? WHERE id = ?", ps -> {
                        ps.setLong(1, m.size());
                        ps.setString(2, mailbox);
                    }) != 1) {
                return null;
            }
            long[] next = Database.query(c, "SELECT uid_next, highest_modseq FROM mailbox WHERE id = ?",
                    ps -> ps.setString(1, mailbox), rs -> new long[] {rs.getLong(1), rs.getLong(2)}).get(0);
            long uid = next[0] - 1;
            insert(c, mailbox, uid, next[1], m, structure);
            db.changed(c, ChangeListener.MAIL, owner.get(0));
            awaitBodies(List.of(m.body()));
            return uid;
        });
    }

    private static void insert(Connection c, String mailbox, long uid, long modseq, IncomingMessage m, String structure)
            throws SQLException {
        SendingServer s = m.sendingServer();
        Database.update(c, "INSERT INTO message (mailbox_id, uid, modseq, blob_id, size, received, flags, recipient, "
                + "envelope_sender, server_ip, server_ehlo, server_name, structure) "
                + "VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?)",
                ps -> {
                    ps.setString(1, mailbox);
                    ps.setLong(2, uid);
                    ps.setLong(3, modseq);
                    ps.setString(4, m.body().value());
                    ps.setLong(5, m.size());
                    ps.setLong(6, m.received().toEpochMilli());
                    ps.setString(7, m.recipient().toString());
                    ps.setString(8, m.envelopeSender());
                    ps.setString(9, s == null ? null : s.ip());
                    ps.setString(10, s == null ? null : s.ehloName());
                    ps.setString(11, s == null ? null : s.confirmedName());
                    ps.setString(12, structure);
                });
    }

    @Override
    public long[] appendAll(List<Filing> filings) {
        if (filings.isEmpty()) {
            return new long[0];
        }
        Request mine = new Request(filings);
        waiting.add(mine);
        committing.lock();
        try {
            while (!mine.done) {
                List<Request> group = new java.util.ArrayList<>();
                int size = 0;
                for (Request r; size < MAX_GROUP && (r = waiting.poll()) != null; ) {
                    group.add(r);
                    size += r.filings.size();
                }
                if (group.isEmpty()) { // cannot happen: mine is queued until a group takes it
                    mine.failure = new StoreException("a delivery was lost from the filing queue", null);
                    mine.done = true;
                    break;
                }
                try {
                    commitGroup(group);
                } catch (RuntimeException | Error e) {
                    for (Request r : group) { // nobody in the group waits forever for an outcome
                        if (!r.done) {
                            r.failure = e instanceof RuntimeException re ? re : new StoreException("filing failed", e);
                            r.done = true;
                        }
                    }
                    if (e instanceof Error) {
                        throw e;
                    }
                }
            }
        } finally {
            committing.unlock();
        }
        if (mine.alone) {
            // The group's transaction failed: filed on its own, outside the lock, so that one
            // delivery's trouble (or a folder row held long) delays no other delivery's retry.
            return appendAllAlone(filings, null);
        }
        if (mine.failure != null) {
            throw mine.failure;
        }
        return mine.uids;
    }

    /**
     * Group commit: the deliveries that arrive while one filing transaction commits wait for it
     * (on {@link #committing}) and are then filed together, in one transaction, by whichever of
     * them gets the lock first. One mailbox row update per folder, one commit and one log flush
     * for the whole group instead of one each; under load a group holds about as many
     * deliveries as there are sessions. A lone delivery does not wait for company.
     */
    final java.util.concurrent.locks.ReentrantLock committing = new java.util.concurrent.locks.ReentrantLock();
    final java.util.concurrent.ConcurrentLinkedQueue<Request> waiting = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Filings per group transaction, so that one transaction's locks and log stay small. */
    static final int MAX_GROUP = 256;

    private static final class Request {
        final List<Filing> filings;
        long[] uids;
        RuntimeException failure;
        boolean alone; // file it on its own, after the lock
        boolean done; // written and read under committing

        Request(List<Filing> filings) {
            this.filings = filings;
        }
    }

    /**
     * Files a group in one transaction. When that fails for any reason but a lost database
     * (a transaction that may have committed must not be filed again), each delivery is filed
     * alone by its own thread once the lock is released, so one delivery's trouble is no
     * other's: the all-or-none promise is per delivery.
     */
    private void commitGroup(List<Request> group) {
        if (group.size() > 1) {
            List<Filing> all = new java.util.ArrayList<>();
            for (Request r : group) {
                all.addAll(r.filings);
            }
            try {
                long[] uids = appendAllAlone(all, null);
                int at = 0;
                for (Request r : group) {
                    r.uids = java.util.Arrays.copyOfRange(uids, at, at + r.filings.size());
                    at += r.filings.size();
                    r.done = true;
                }
                return;
            } catch (RuntimeException e) {
                if (org.postern.core.store.StoreUnavailableException.isCause(e)) {
                    for (Request r : group) {
                        r.failure = e;
                        r.done = true;
                    }
                    return;
                }
            }
        }
        if (group.size() == 1) {
            Request r = group.get(0);
            try {
                r.uids = appendAllAlone(r.filings, null);
            } catch (RuntimeException e) {
                r.failure = e;
            }
            r.done = true;
            return;
        }
        for (Request r : group) {
            r.alone = true;
            r.done = true;
        }
    }

    private long[] appendAllAlone(List<Filing> filings, Database.Work<Void> extra) {
        String[] stored = new String[filings.size()];
        for (int i = 0; i < stored.length; i++) {
            stored[i] = Structures.encode(filings.get(i).structure());
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            String[] boxes = new String[filings.size()];
            java.util.Map<String, String> found = new java.util.HashMap<>(); // account NUL folder -> mailbox ("" gone)
            for (int i = 0; i < boxes.length; i++) {
                Filing f = filings.get(i);
                boxes[i] = found.computeIfAbsent(f.accountId() + "\0" + f.folder(), k -> {
                    try {
                        return INBOX.equals(f.folder()) ? inbox(f.accountId()) : mailbox(f.accountId(), f.folder());
                    } catch (AccountGoneException gone) {
                        return ""; // nothing for this one; the others are filed
                    }
                });
                if (boxes[i].isEmpty()) {
                    boxes[i] = null;
                }
            }
            long[] uids;
            try {
                uids = appendAllTo(filings, boxes, stored, extra);
            } catch (FolderVanished rolledBack) {
                uids = null;
            }
            if (uids != null) {
                return uids;
            }
            for (Filing f : filings) {
                inboxes.remove(f.accountId()); // a folder vanished: look every one up afresh
            }
        }
        throw new StoreException("a folder vanished twice while filing into it", null);
    }

    /**
     * The filing transaction of {@link #appendAll}: every owner's status read first, before any
     * mailbox lock (the order {@link #appendTo} keeps, for the same reason), then the mailboxes
     * locked in id order, so two multi-recipient deliveries never wait on each other in a cycle.
     *
     * {@code extra} (the journaled filings' mark) runs first, in the same transaction.
     *
     * @throws FolderVanished when a folder vanished meanwhile (rolled back; the caller tries again)
     */
    private long[] appendAllTo(List<Filing> filings, String[] boxes, String[] stored, Database.Work<Void> extra) {
        return db.transaction(c -> {
            if (extra != null) {
                extra.run(c);
            }
            long[] uids = new long[filings.size()];
            java.util.Arrays.fill(uids, -1);
            java.util.Map<String, String> owners = new java.util.HashMap<>();
            java.util.SortedMap<String, long[]> live = new java.util.TreeMap<>(); // mailbox -> {count, bytes}
            for (int i = 0; i < boxes.length; i++) {
                String box = boxes[i];
                if (box == null) {
                    continue;
                }
                if (!owners.containsKey(box)) {
                    // The box was looked up (or remembered) as this account's: its owner. A box
                    // that vanished since is caught by the UPDATE below touching no row.
                    String owner = filings.get(i).accountId();
                    boolean removed = Database.query(c, "SELECT status FROM account WHERE id = ?",
                            ps -> ps.setString(1, owner), rs -> rs.getString(1)).contains("REMOVED");
                    owners.put(box, removed ? null : owner);
                }
                if (owners.get(box) != null) {
                    long[] need = live.computeIfAbsent(box, b -> new long[2]);
                    need[0]++;
                    need[1] += filings.get(i).message().size();
                }
            }
            java.util.Map<String, long[]> next = new java.util.HashMap<>(); // mailbox -> {next UID, modseq}
            for (java.util.Map.Entry<String, long[]> e : live.entrySet()) {
                if (Database.update(c, "UPDATE mailbox SET uid_next = uid_next + ?, highest_modseq = highest_modseq + 1, "
                        + "used_bytes = used_bytes + ? WHERE id = ?", ps -> {
                            ps.setLong(1, e.getValue()[0]);
                            ps.setLong(2, e.getValue()[1]);
                            ps.setString(3, e.getKey());
                        }) != 1) {
                    // rolled back, not committed: an earlier folder's UPDATE (and the mark) must not stay
                    throw new FolderVanished();
                }
                long[] after = Database.query(c, "SELECT uid_next, highest_modseq FROM mailbox WHERE id = ?",
                        ps -> ps.setString(1, e.getKey()), rs -> new long[] {rs.getLong(1), rs.getLong(2)}).get(0);
                next.put(e.getKey(), new long[] {after[0] - e.getValue()[0], after[1]});
            }
            for (int i = 0; i < boxes.length; i++) {
                long[] at = boxes[i] == null ? null : next.get(boxes[i]);
                if (at == null) {
                    continue;
                }
                uids[i] = at[0]++;
                insert(c, boxes[i], uids[i], at[1], filings.get(i).message(), stored[i]);
            }
            for (String account : new java.util.TreeSet<>(owners.values().stream().filter(java.util.Objects::nonNull).toList())) {
                db.changed(c, ChangeListener.MAIL, account);
            }
            List<org.postern.api.store.BlobId> filed = new java.util.ArrayList<>();
            for (int i = 0; i < uids.length; i++) {
                if (uids[i] >= 0) {
                    filed.add(filings.get(i).message().body());
                }
            }
            awaitBodies(filed);
            return uids;
        });
    }

    /** A folder went between looking it up and filing into it: the transaction rolls back and the filing looks again. */
    private static final class FolderVanished extends RuntimeException {
        FolderVanished() {
            super("folder vanished", null, false, false);
        }
    }

    private static final String INBOX = "INBOX";
    /** Beyond this many accounts the INBOX ids are forgotten and looked up again. */
    static final int INBOX_IDS = 100_000;
    /**
     * INBOX ids by account: an INBOX row keeps its id for as long as it exists (renaming INBOX
     * moves its messages to a new folder; INBOX itself stays), and ids are random, never reused.
     * So a remembered id is either the account's INBOX or gone, and a gone one makes the filing's
     * {@code UPDATE mailbox} touch no row: then it is forgotten and looked up again. Saves a
     * transaction per delivery.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, String> inboxes = new java.util.concurrent.ConcurrentHashMap<>();

    private String inbox(String accountId) {
        String id = inboxes.get(accountId);
        if (id == null) {
            id = mailbox(accountId, INBOX);
            if (inboxes.size() >= INBOX_IDS) {
                inboxes.clear();
            }
            inboxes.put(accountId, id);
        }
        return id;
    }

    /**
     * The folder's id, creating the folder in a transaction of its own. Concurrent first
     * deliveries race to create it; the losers' inserts hit the unique key and they read the
     * winner's row.
     */
    private String mailbox(String accountId, String folder) {
        java.util.Optional<String> existing = find(accountId, folder);
        if (existing.isPresent()) {
            return existing.get();
        }
        byte[] raw = new byte[16];
        RANDOM.nextBytes(raw);
        String id = HexFormat.of().formatHex(raw);
        try {
            db.transaction(c -> {
                // Row-locks the account until commit, and refuses a removed (or unknown) one: a
                // concurrent markRemoved either waits for this folder and deletes it with the rest,
                // or has committed, and then no folder is created for a removed account.
                if (Database.update(c, "UPDATE account SET status = status WHERE id = ? AND status <> 'REMOVED'",
                        ps -> ps.setString(1, accountId)) != 1) {
                    throw new AccountGoneException(accountId);
                }
                // RFC 3501 2.3.1.1: a folder's UIDVALIDITY must never repeat, also for a folder
                // deleted and created again under the same name: a counter, not the clock. The
                // counter is taken in this transaction, so a lost creation race hands it back.
                long uidValidity = Sequences.nextUidValidity(c);
                return Database.update(c, "INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, "
                        + "highest_modseq) VALUES (?, ?, ?, ?, 1, 1)", ps -> {
                            ps.setString(1, id);
                            ps.setString(2, accountId);
                            ps.setString(3, folder);
                            ps.setLong(4, uidValidity);
                        });
            });
            return id;
        } catch (DuplicateKeyException raced) {
            return find(accountId, folder).orElseThrow(() -> raced);
        }
    }

    private java.util.Optional<String> find(String accountId, String folder) {
        return db.queryOne("SELECT id FROM mailbox WHERE account_id = ? AND name = ?", ps -> {
            ps.setString(1, accountId);
            ps.setString(2, folder);
        }, rs -> rs.getString(1));
    }

    @Override
    public long count(String accountId, String folder) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        return db.queryOne("SELECT COUNT(*) FROM message m JOIN mailbox b ON m.mailbox_id = b.id "
                + "WHERE b.account_id = ? AND b.name = ?", ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, folder);
                }, rs -> rs.getLong(1)).orElse(0L);
    }

    @Override
    public java.util.SortedMap<String, Long> folders(String accountId) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        java.util.SortedMap<String, Long> out = new java.util.TreeMap<>();
        db.query("SELECT b.name, COUNT(m.uid) FROM mailbox b LEFT JOIN message m ON m.mailbox_id = b.id "
                + "WHERE b.account_id = ? GROUP BY b.name", ps -> ps.setString(1, accountId),
                rs -> out.put(rs.getString(1), rs.getLong(2)));
        return out;
    }

    @Override
    public List<BlobId> deleteAllMail(String accountId) {
        long now = System.currentTimeMillis();
        List<BlobId> bodies = db.transaction(c -> {
            List<BlobId> recorded = PendingDeletions.deleteAccountMail(c, accountId, PendingDeletions.MAIL_DELETED, now);
            db.changed(c, ChangeListener.MAIL, accountId);
            return recorded;
        });
        kick(bodies.size());
        return bodies;
    }

    @Override
    public void recordForDeletion(Collection<BlobId> bodies, String reason) {
        List<BlobId> ids = List.copyOf(bodies);
        long now = System.currentTimeMillis();
        db.transaction(c -> {
            PendingDeletions.record(c, ids, reason, now);
            return null;
        });
        kick(ids.size());
    }

    @Override
    public FolderSnapshot snapshot(String accountId, String folder) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        return db.transaction(c -> {
            List<Object[]> box = Database.query(c, "SELECT id, uid_validity FROM mailbox WHERE account_id = ? AND name = ?",
                    ps -> {
                        ps.setString(1, accountId);
                        ps.setString(2, folder);
                    }, rs -> new Object[] {rs.getString(1), rs.getLong(2)});
            if (box.isEmpty()) {
                return FolderSnapshot.missing(folder);
            }
            String mailbox = (String) box.get(0)[0];
            List<StoredMessage> list = Database.query(c,
                    "SELECT uid, size, received FROM message WHERE mailbox_id = ? ORDER BY uid",
                    ps -> ps.setString(1, mailbox),
                    rs -> new StoredMessage(rs.getLong(1), rs.getLong(2), java.time.Instant.ofEpochMilli(rs.getLong(3))));
            return new FolderSnapshot(folder, (Long) box.get(0)[1], list);
        });
    }

    @Override
    public Optional<BlobId> body(String accountId, String folder, long uidValidity, long uid) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        return db.queryOne("SELECT m.blob_id FROM message m JOIN mailbox b ON m.mailbox_id = b.id "
                + "WHERE b.account_id = ? AND b.name = ? AND b.uid_validity = ? AND m.uid = ?", ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, folder);
                    ps.setLong(3, uidValidity);
                    ps.setLong(4, uid);
                }, rs -> BlobId.of(rs.getString(1).trim()));
    }

    /**
     * Row-locks the folder first (the lock a delivery takes to allocate a UID), so the bodies
     * read are exactly the rows deleted, then records them and deletes the rows through
     * {@link PendingDeletions#deleteMessages}, and bumps the folder's MODSEQ, all in one
     * transaction. Then wakes the reaper, which unlinks the bodies.
     */
    @Override
    public List<BlobId> delete(String accountId, String folder, long uidValidity, Collection<Long> uids) {
        JournaledFilings.awaitFor(accountId); // a delivery acknowledged before this read is in it
        if (uids.isEmpty()) {
            return List.of();
        }
        long now = System.currentTimeMillis();
        List<BlobId> bodies = db.transaction(c -> {
            Database.Binder which = ps -> {
                ps.setString(1, accountId);
                ps.setString(2, folder);
                ps.setLong(3, uidValidity);
            };
            if (Database.update(c, "UPDATE mailbox SET uid_next = uid_next WHERE account_id = ? AND name = ? "
                    + "AND uid_validity = ?", which) != 1) {
                return List.<BlobId>of(); // gone, or deleted and created again: those UIDs are not ours
            }
            String mailbox = Database.query(c, "SELECT id FROM mailbox WHERE account_id = ? AND name = ? "
                    + "AND uid_validity = ?", which, rs -> rs.getString(1)).get(0);
            List<BlobId> gone = PendingDeletions.deleteMessages(c, mailbox, uids, PendingDeletions.MESSAGES_DELETED, now)
                    .bodies();
            if (!gone.isEmpty()) {
                Database.update(c, "UPDATE mailbox SET highest_modseq = highest_modseq + 1 WHERE id = ?",
                        ps -> ps.setString(1, mailbox));
                db.changed(c, ChangeListener.MAIL, accountId);
            }
            return gone;
        });
        kick(bodies.size());
        return bodies;
    }

    private void kick(int recorded) {
        if (recorded > 0) {
            db.pendingDeletionsRecorded();
        }
    }
}
