package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/** What counts as the database being gone, and when it counts as back (review of issue 7). */
class AvailabilityTest {
    @Test
    void connectionFailuresAreAnOutageAndRefusedStatementsAreNot() {
        assertTrue(Availability.isConnectionLost(new SQLException("refused", "08001")));
        assertTrue(Availability.isConnectionLost(new SQLException("terminating connection", "57P01")));
        assertTrue(Availability.isConnectionLost(new SQLException("wrapped", "XX000", new SQLException("io", "08006"))));
        assertFalse(Availability.isConnectionLost(new SQLException("duplicate key", "23505")));
        assertFalse(Availability.isConnectionLost(new SQLException("syntax", "42601")));
    }

    @Test
    void aBusyPoolIsNotAnOutageButAPoolThatCannotConnectIs() {
        assertFalse(Availability.isConnectionLost(new SQLTransientConnectionException(
                "postern-store - Connection is not available, request timed out after 5000ms.")),
                "every connection in use: load, not an outage");
        assertTrue(Availability.isConnectionLost(new SQLTransientConnectionException(
                "postern-store - Connection is not available", "08001", new SQLException("Connection refused", "08001"))));
    }

    @Test
    void aCommitUnderWayWhenTheOutageWasSeenDoesNotEndIt() {
        Availability a = new Availability();
        long beganBefore = System.nanoTime();
        a.down(new SQLException("refused", "08001"));
        assertTrue(a.isDown());
        a.up(beganBefore);
        assertTrue(a.isDown(), "that commit began before the outage was noticed");
        a.up(System.nanoTime());
        assertFalse(a.isDown());
    }

    @Test
    void theLogLineNamesTheDeepestCause() {
        SQLException pool = new SQLTransientConnectionException("Connection is not available", "08001",
                new SQLException("FATAL: password authentication failed for user \"postern\"\nmore", "28P01"));
        String line = Availability.oneLine(pool);
        assertTrue(line.contains("password authentication failed"), line);
        assertFalse(line.contains("more"), line);
    }
}
