package org.postern.store.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.postern.api.store.BlobId;

/**
 * The {@code pending_blob_deletion} table (V005): bodies to unlink, written in the transaction
 * that deletes the rows referring to them, cleared by {@link BlobReaper} once the file is gone.
 * Every statement that deletes {@code message} rows goes through {@link #deleteAccountMail} (or a
 * sibling written the same way): the row deletion and the record commit together or not at all.
 */
final class PendingDeletions {
    /** Reasons: short codes for the log, never message content. */
    static final String ACCOUNT_REMOVED = "account-removed";
    static final String MAIL_DELETED = "mail-deleted";
    /** Single messages deleted by a client (POP3 DELE + QUIT). */
    static final String MESSAGES_DELETED = "message-deleted";
    /** IMAP EXPUNGE (and the source rows of nothing else: a MOVE keeps its bodies). */
    static final String EXPUNGED = "expunged";
    /** A folder deleted with its messages (IMAP DELETE). */
    static final String FOLDER_DELETED = "folder-deleted";
    /** A queued outbound message left the queue: every recipient delivered or failed for good. */
    static final String OUTBOUND_DONE = "outbound-done";
    /** A queued outbound message deleted unsent (an operator's delete). */
    static final String OUTBOUND_DELETED = "outbound-deleted";

    /** Longest reason the column holds. */
    static final int REASON_MAX = 32;

    /** Ids per {@code IN (...)} list: well inside every database's parameter limit. */
    static final int IN_CHUNK = 100;

    private PendingDeletions() {
    }

    /** A recorded body, as the reaper reads it. */
    record Pending(BlobId blob, String reason, int attempts) {
    }

    /**
     * Deletes every folder and message of the account and records their bodies, inside the
     * caller's transaction on {@code c}. First row-locks the account's folders, so a delivery in
     * progress into one of them commits before the bodies are read (its body is recorded too), and
     * one that comes later finds its folder gone.
     *
     * @return the bodies recorded
     */
    static List<BlobId> deleteAccountMail(Connection c, String accountId, String reason, long now)
            throws SQLException {
        Database.update(c, "UPDATE mailbox SET uid_next = uid_next WHERE account_id = ?", ps -> ps.setString(1, accountId));
        List<BlobId> bodies = Database.query(c, "SELECT m.blob_id FROM message m JOIN mailbox b ON m.mailbox_id = b.id "
                + "WHERE b.account_id = ?", ps -> ps.setString(1, accountId), rs -> BlobId.of(rs.getString(1).trim()));
        record(c, bodies, reason, now);
        // messages first, folder by folder on the key's leading column (a subquery could be
        // planned as a scan, which on Derby locks the whole table): the key no longer cascades (V012)
        for (String box : Database.query(c, "SELECT id FROM mailbox WHERE account_id = ?", ps -> ps.setString(1, accountId),
                rs -> rs.getString(1))) {
            Database.update(c, "DELETE FROM message WHERE mailbox_id = ?", ps -> ps.setString(1, box));
        }
        Database.update(c, "DELETE FROM mailbox WHERE account_id = ?", ps -> ps.setString(1, accountId));
        return bodies;
    }

    /** What {@link #deleteMessages} deleted: the UIDs (ascending), their bodies and their sizes' sum. */
    record Deleted(List<Long> uids, List<BlobId> bodies, long bytes) {
        static final Deleted NOTHING = new Deleted(List.of(), List.of(), 0);
    }

    /**
     * Deletes those messages of one folder and records their bodies, inside the caller's
     * transaction on {@code c}, and takes their sizes off the folder's {@code used_bytes}; the
     * caller holds the folder's row lock (so no delivery or other deletion runs on it meanwhile)
     * and bumps its MODSEQ. UIDs with no row are skipped.
     * <p>
     * Every body is recorded, also one another message (a copy) still refers to: the reaper
     * checks for such rows before it unlinks and keeps the body then. Recording only bodies no
     * other row refers to would lose one when two transactions delete its last two rows at once
     * (each still sees the other's row).
     *
     * @return the rows deleted
     */
    static Deleted deleteMessages(Connection c, String mailboxId, Collection<Long> uids, String reason, long now)
            throws SQLException {
        List<Long> all = List.copyOf(new java.util.TreeSet<>(uids));
        List<BlobId> bodies = new java.util.ArrayList<>();
        List<Long> deletedUids = new java.util.ArrayList<>();
        long bytes = 0;
        for (int from = 0; from < all.size(); from += IN_CHUNK) {
            List<Long> chunk = all.subList(from, Math.min(all.size(), from + IN_CHUNK));
            String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
            Database.Binder bind = ps -> {
                ps.setString(1, mailboxId);
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setLong(i + 2, chunk.get(i));
                }
            };
            List<Object[]> found = Database.query(c, "SELECT uid, blob_id, size FROM message WHERE mailbox_id = ? "
                    + "AND uid IN (" + marks + ")", bind,
                    rs -> new Object[] {rs.getLong(1), BlobId.of(rs.getString(2).trim()), rs.getLong(3)});
            List<BlobId> foundBodies = found.stream().map(r -> (BlobId) r[1]).toList();
            record(c, foundBodies, reason, now);
            int deleted = Database.update(c, "DELETE FROM message WHERE mailbox_id = ? AND uid IN (" + marks + ")", bind);
            if (deleted != found.size()) {
                // the folder's row lock makes this impossible; never commit rows without their record
                throw new SQLException("deleted " + deleted + " message rows but recorded " + found.size() + " bodies");
            }
            bodies.addAll(foundBodies);
            for (Object[] r : found) {
                deletedUids.add((Long) r[0]);
                bytes += (Long) r[2];
            }
        }
        if (deletedUids.isEmpty()) {
            return Deleted.NOTHING;
        }
        long sum = bytes;
        // expunged_modseq (V009): sessions that synced before this must read the UID list.
        Database.update(c, "UPDATE mailbox SET used_bytes = used_bytes - ?, expunged_modseq = highest_modseq + 1 "
                + "WHERE id = ?", ps -> {
                    ps.setLong(1, sum);
                    ps.setString(2, mailboxId);
                });
        java.util.Collections.sort(deletedUids);
        return new Deleted(List.copyOf(deletedUids), List.copyOf(bodies), bytes);
    }

    /**
     * Deletes the account's queued outbound messages with their recipients and records their
     * bodies, inside the caller's transaction on {@code c}, which holds the account's row lock:
     * a message is queued only under that lock and while the account is not REMOVED, so none is
     * queued for it after this.
     *
     * @return the bodies recorded
     */
    static List<BlobId> deleteAccountQueue(Connection c, String accountId, String reason, long now)
            throws SQLException {
        List<BlobId> bodies = Database.query(c, "SELECT blob_id FROM outbound_message WHERE account_id = ?",
                ps -> ps.setString(1, accountId), rs -> BlobId.of(rs.getString(1).trim()));
        record(c, bodies, reason, now);
        // Recipients first, by key: the foreign key no longer cascades (V011).
        for (String id : Database.query(c, "SELECT id FROM outbound_message WHERE account_id = ?",
                ps -> ps.setString(1, accountId), rs -> rs.getString(1))) {
            Database.update(c, "DELETE FROM outbound_recipient WHERE message_id = ?", ps -> ps.setString(1, id));
        }
        int deleted = Database.update(c, "DELETE FROM outbound_message WHERE account_id = ?",
                ps -> ps.setString(1, accountId));
        if (deleted != bodies.size()) {
            // the account's row lock keeps enqueue out; never commit rows gone without their record
            throw new SQLException("deleted " + deleted + " queued messages but recorded " + bodies.size() + " bodies");
        }
        return bodies;
    }

    /**
     * Deletes one folder with its messages and records their bodies, inside the caller's
     * transaction on {@code c}, which holds the folder's row lock.
     *
     * @return the bodies recorded
     */
    static List<BlobId> deleteFolder(Connection c, String mailboxId, String reason, long now) throws SQLException {
        List<BlobId> bodies = Database.query(c, "SELECT blob_id FROM message WHERE mailbox_id = ?",
                ps -> ps.setString(1, mailboxId), rs -> BlobId.of(rs.getString(1).trim()));
        record(c, bodies, reason, now);
        Database.update(c, "DELETE FROM message WHERE mailbox_id = ?", ps -> ps.setString(1, mailboxId));
        Database.update(c, "DELETE FROM mailbox WHERE id = ?", ps -> ps.setString(1, mailboxId));
        return bodies;
    }

    /** Records bodies for deletion inside the caller's transaction. */
    static void record(Connection c, Collection<BlobId> bodies, String reason, long now) throws SQLException {
        if (bodies.isEmpty()) {
            return;
        }
        String r = reason == null || reason.isBlank() ? "unspecified"
                : reason.length() > REASON_MAX ? reason.substring(0, REASON_MAX) : reason;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO pending_blob_deletion (blob_id, reason, created, attempts) VALUES (?, ?, ?, 0)")) {
            int n = 0;
            for (BlobId id : bodies) {
                ps.setString(1, id.value());
                ps.setString(2, r);
                ps.setLong(3, now);
                ps.addBatch();
                if (++n % 1000 == 0) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
    }

    /** The records to work on first: fewest attempts, then oldest. */
    static List<Pending> next(Database db, int max) {
        return db.query("SELECT blob_id, reason, attempts FROM pending_blob_deletion ORDER BY attempts, created "
                + "FETCH FIRST " + max + " ROWS ONLY", ps -> { },
                rs -> new Pending(BlobId.of(rs.getString(1).trim()), rs.getString(2), rs.getInt(3)));
    }

    /** The body is gone: forget every record of it. */
    static void done(Database db, BlobId blob) {
        db.update("DELETE FROM pending_blob_deletion WHERE blob_id = ?", ps -> ps.setString(1, blob.value()));
    }

    /**
     * The body is still a message's (a copy's) or a queued outbound message's: forget its records,
     * in one statement that does so only while such a row still refers to it. A record written by
     * a transaction that deleted that last row and committed after the reaper looked stays for the
     * next pass.
     *
     * @return the records forgotten
     */
    static int keptForAnotherMessage(Database db, BlobId blob) {
        return db.update("DELETE FROM pending_blob_deletion WHERE blob_id = ? "
                + "AND (EXISTS (SELECT 1 FROM message WHERE blob_id = ?) "
                + "OR EXISTS (SELECT 1 FROM outbound_message WHERE blob_id = ?))", ps -> {
                    ps.setString(1, blob.value());
                    ps.setString(2, blob.value());
                    ps.setString(3, blob.value());
                });
    }

    static void failed(Database db, BlobId blob) {
        db.update("UPDATE pending_blob_deletion SET attempts = attempts + 1 WHERE blob_id = ?",
                ps -> ps.setString(1, blob.value()));
    }

    static long count(Database db) {
        return db.queryOne("SELECT COUNT(*) FROM pending_blob_deletion", ps -> { }, rs -> rs.getLong(1)).orElse(0L);
    }

    /**
     * Which of {@code ids} are in use: a message row or a queued outbound message (V010) refers to
     * them. The queue keeps its bodies for days, far past the orphan grace, and may share one with
     * a message row (a copy filed as well as sent): neither the reaper nor the orphan sweep may
     * take such a body.
     */
    static Set<BlobId> referenced(Database db, List<BlobId> ids) {
        Set<BlobId> out = among(db, "SELECT DISTINCT blob_id FROM message WHERE blob_id IN ", ids);
        out.addAll(among(db, "SELECT DISTINCT blob_id FROM outbound_message WHERE blob_id IN ", ids));
        return out;
    }

    /** Which of {@code ids} are in use ({@link #referenced}) or recorded for deletion. */
    static Set<BlobId> referencedOrPending(Database db, List<BlobId> ids) {
        Set<BlobId> out = referenced(db, ids);
        out.addAll(among(db, "SELECT DISTINCT blob_id FROM pending_blob_deletion WHERE blob_id IN ", ids));
        return out;
    }

    private static Set<BlobId> among(Database db, String select, List<BlobId> ids) {
        Set<BlobId> out = new HashSet<>();
        for (int from = 0; from < ids.size(); from += IN_CHUNK) {
            List<BlobId> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
            String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
            db.query(select + "(" + marks + ")", ps -> {
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 1, chunk.get(i).value());
                }
            }, rs -> out.add(BlobId.of(rs.getString(1).trim())));
        }
        return out;
    }
}
