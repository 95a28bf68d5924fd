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
    /** Single messages deleted by a client (POP3 DELE + QUIT; later IMAP EXPUNGE). */
    static final String MESSAGES_DELETED = "message-deleted";

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
        Database.update(c, "DELETE FROM mailbox WHERE account_id = ?", ps -> ps.setString(1, accountId));
        return bodies;
    }

    /**
     * Deletes those messages of one folder and records their bodies, inside the caller's
     * transaction on {@code c}; the caller holds the folder's row lock (so no delivery or other
     * deletion runs on it meanwhile). UIDs with no row are skipped.
     *
     * @return the bodies of the rows deleted
     */
    static List<BlobId> deleteMessages(Connection c, String mailboxId, Collection<Long> uids, String reason, long now)
            throws SQLException {
        List<Long> all = List.copyOf(new java.util.TreeSet<>(uids));
        List<BlobId> bodies = new java.util.ArrayList<>();
        for (int from = 0; from < all.size(); from += IN_CHUNK) {
            List<Long> chunk = all.subList(from, Math.min(all.size(), from + IN_CHUNK));
            String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
            Database.Binder bind = ps -> {
                ps.setString(1, mailboxId);
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setLong(i + 2, chunk.get(i));
                }
            };
            List<BlobId> found = Database.query(c, "SELECT blob_id FROM message WHERE mailbox_id = ? AND uid IN ("
                    + marks + ")", bind, rs -> BlobId.of(rs.getString(1).trim()));
            record(c, found, reason, now);
            int deleted = Database.update(c, "DELETE FROM message WHERE mailbox_id = ? AND uid IN (" + marks + ")", bind);
            if (deleted != found.size()) {
                // the folder's row lock makes this impossible; never commit rows without their record
                throw new SQLException("deleted " + deleted + " message rows but recorded " + found.size() + " bodies");
            }
            bodies.addAll(found);
        }
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

    static void failed(Database db, BlobId blob) {
        db.update("UPDATE pending_blob_deletion SET attempts = attempts + 1 WHERE blob_id = ?",
                ps -> ps.setString(1, blob.value()));
    }

    static long count(Database db) {
        return db.queryOne("SELECT COUNT(*) FROM pending_blob_deletion", ps -> { }, rs -> rs.getLong(1)).orElse(0L);
    }

    /** Which of {@code ids} a message row refers to. */
    static Set<BlobId> referencedByMessages(Database db, List<BlobId> ids) {
        return among(db, "SELECT DISTINCT blob_id FROM message WHERE blob_id IN ", ids);
    }

    /** Which of {@code ids} a message row refers to or are recorded for deletion. */
    static Set<BlobId> referencedOrPending(Database db, List<BlobId> ids) {
        Set<BlobId> out = referencedByMessages(db, ids);
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
