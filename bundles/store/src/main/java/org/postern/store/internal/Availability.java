package org.postern.store.internal;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the database answers, as the last operation found it. Logs one line when it stops
 * answering and one when it answers again, however many operations fail in between: the
 * operator gets "database unreachable", not ten thousand stack traces.
 */
final class Availability {
    private static final Logger LOG = LoggerFactory.getLogger(Availability.class);
    /** When it went down (nanoTime), or 0 while up. */
    private final AtomicLong downSince = new AtomicLong();

    void down(SQLException cause) {
        long now = System.nanoTime();
        if (downSince.compareAndSet(0, now == 0 ? 1 : now)) {
            LOG.error("Postern store: database unreachable ({}); mail is answered with 451 and logins fail "
                    + "until it is back", oneLine(cause));
        }
    }

    /**
     * An operation that began at {@code beganNanos} succeeded. Only one that began after the
     * database went down says it is back: a commit that was already under way when another
     * thread saw the outage says nothing about now.
     */
    void up(long beganNanos) {
        long since = downSince.get();
        if (since != 0 && beganNanos - since > 0 && downSince.compareAndSet(since, 0)) {
            LOG.warn("Postern store: database reachable again after {} s", (System.nanoTime() - since) / 1_000_000_000L);
        }
    }

    boolean isDown() {
        return downSince.get() != 0;
    }

    /**
     * SQLState class 08 (connection exception), PostgreSQL's 57P01..57P03 (shut down, crashed,
     * cannot connect now), and the driver's or pool's connection exceptions (a pool timeout is an
     * SQLTransientConnectionException).
     */
    static boolean isConnectionLost(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                // The pool's "no connection within the timeout": an outage when connecting failed
                // (it carries that failure), merely a busy pool when it does not.
                if (t.getCause() != null || ((SQLException) t).getSQLState() != null) {
                    return true;
                }
                continue;
            }
            if (t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException) {
                String state = ((SQLException) t).getSQLState();
                if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                        || state.equals("57P03"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The first line of the message, and of the deepest cause's (the pool's message hides it). */
    static String oneLine(SQLException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String line = firstLine(e) + (e.getSQLState() == null ? "" : " [" + e.getSQLState() + "]");
        return root == e ? line : line + ", caused by " + firstLine(root);
    }

    private static String firstLine(Throwable t) {
        String m = t.getMessage();
        if (m == null) {
            return t.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
