package org.postern.store.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Named counters in {@code postern_sequence} (V004) that only grow, for every node of one
 * database. Two portable statements instead of a database sequence: an {@code UPDATE} that
 * row-locks the counter until the caller's transaction ends, then a read of the new value. A
 * rolled-back caller gives its value back; a committed one never sees it again.
 */
final class Sequences {
    /** IMAP UIDVALIDITY: nz-number, at most 2^32 - 1 (RFC 3501 section 9, RFC 9051). */
    static final String UID_VALIDITY = "uid_validity";
    static final long MAX_UNSIGNED_32 = 0xFFFF_FFFFL;

    private Sequences() {
    }

    /** The counter's next value, taken inside the caller's transaction on {@code c}. */
    static long next(Connection c, String name) throws SQLException {
        int rows = Database.update(c, "UPDATE postern_sequence SET next_value = next_value + 1 WHERE name = ?",
                ps -> ps.setString(1, name));
        if (rows != 1) {
            throw new SQLException("no sequence " + name + " in postern_sequence");
        }
        List<Long> v = Database.query(c, "SELECT next_value FROM postern_sequence WHERE name = ?",
                ps -> ps.setString(1, name), rs -> rs.getLong(1));
        return v.get(0) - 1;
    }

    /** The next UIDVALIDITY: positive, 32 bits, never handed out before by this database. */
    static long nextUidValidity(Connection c) throws SQLException {
        long v = next(c, UID_VALIDITY);
        if (v < 1 || v > MAX_UNSIGNED_32) {
            throw new SQLException("UIDVALIDITY sequence out of the 32-bit range: " + v);
        }
        return v;
    }
}
