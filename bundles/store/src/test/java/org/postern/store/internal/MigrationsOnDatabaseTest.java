package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migration runner against a real database, including databases of earlier versions; each
 * subclass names the engine (embedded Derby, PostgreSQL) and every test runs on both.
 */
abstract class MigrationsOnDatabaseTest {
    private static final long NOW = 1_750_000_000_000L;

    @TempDir
    Path dir;

    private TestDatabase current;
    private final List<TestDatabase> databases = new ArrayList<>();

    abstract TestDatabase.Engine engine();

    @BeforeEach
    void freshDatabase() throws SQLException {
        useDatabase("db");
    }

    /** Points {@link #connect()} at a new empty database {@code name}. */
    private TestDatabase useDatabase(String name) throws SQLException {
        current = TestDatabase.create(engine(), dir.resolve(name));
        databases.add(current);
        current.connect().close();
        return current;
    }

    @AfterEach
    void shutDown() {
        for (TestDatabase db : databases) {
            db.close();
        }
    }

    Connection connect() throws SQLException {
        return current.connect();
    }

    private Migrations migrations() {
        return new Migrations(this::connect, () -> NOW);
    }

    private long longValue(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getLong(1);
        }
    }

    private void execute(String... sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    // ---- checksums ----

    @Test
    void appliedMigrationsRecordTheShippedScriptsChecksums() throws SQLException {
        assertEquals(Migrations.SCRIPTS.size(), migrations().apply());
        try (Connection c = connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT version, script, checksum FROM postern_schema ORDER BY version")) {
            for (String script : Migrations.SCRIPTS) {
                assertTrue(rs.next(), script);
                assertEquals(script, rs.getString(2));
                assertEquals(Migrations.checksum(Migrations.shipped(script)), rs.getString(3), script);
                assertEquals(64, rs.getString(3).length(), "SHA-256 in hex");
            }
            assertFalse(rs.next());
        }
    }

    @Test
    void aMigrationChangedAfterItWasAppliedIsRefusedByName() throws SQLException {
        assertEquals(2, migrations().apply(2));
        Migrations edited = new Migrations(this::connect, () -> NOW, script -> script.equals("V002__policy.sql")
                ? Migrations.shipped(script).replace("VARCHAR(10)", "VARCHAR(20)")
                : Migrations.shipped(script));
        SQLException e = assertThrows(SQLException.class, edited::apply);
        assertTrue(e.getMessage().contains("V002__policy.sql"), e.getMessage());
        assertTrue(e.getMessage().contains("changed after it was applied"), e.getMessage());
        assertEquals(2, longValue("SELECT MAX(version) FROM postern_schema"), "refused before migrating further");
    }

    @Test
    void aChangedLineEndingIsNotAChange() throws SQLException {
        migrations().apply();
        Migrations crlf = new Migrations(this::connect, () -> NOW,
                script -> Migrations.shipped(script).replace("\n", "\r\n"));
        assertEquals(Migrations.SCRIPTS.size(), crlf.apply());
    }

    @Test
    void aDifferentScriptRecordedForAVersionIsRefused() throws SQLException {
        migrations().apply();
        execute("UPDATE postern_schema SET script = 'V002__something_else.sql' WHERE version = 2");
        SQLException e = assertThrows(SQLException.class, () -> migrations().apply());
        assertTrue(e.getMessage().contains("V002__something_else.sql"), e.getMessage());
        assertTrue(e.getMessage().contains("V002__policy.sql"), e.getMessage());
    }

    @Test
    void aDatabaseFromBeforeChecksumsGetsThemAndTheLockTable() throws SQLException {
        // What the runner before checksums and locks left: postern_schema without a checksum
        // column, no lock table, version 3.
        migrations().apply(3);
        execute("ALTER TABLE postern_schema DROP COLUMN checksum", "DROP TABLE postern_schema_lock");

        assertEquals(Migrations.SCRIPTS.size(), migrations().apply());
        for (int v = 1; v <= Migrations.SCRIPTS.size(); v++) {
            try (Connection c = connect(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT checksum FROM postern_schema WHERE version = " + v)) {
                assertTrue(rs.next());
                assertEquals(Migrations.checksum(Migrations.shipped(Migrations.SCRIPTS.get(v - 1))), rs.getString(1));
            }
        }
        assertEquals(1, longValue("SELECT COUNT(*) FROM postern_schema_lock"));
        assertEquals(Migrations.SCRIPTS.size(), migrations().apply(), "and starts again without complaint");
    }

    @Test
    void aNewerDatabaseIsNotTouched() throws SQLException {
        migrations().apply(3);
        execute("ALTER TABLE postern_schema DROP COLUMN checksum", "DROP TABLE postern_schema_lock",
                "INSERT INTO postern_schema (version, script, applied) VALUES (99, 'V099__future.sql', 0)");
        SQLException e = assertThrows(SQLException.class, () -> migrations().apply());
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
        for (String name : new String[] {"POSTERN_SCHEMA_LOCK", "postern_schema_lock"}) {
            try (Connection c = connect(); ResultSet rs = c.getMetaData().getTables(null, null, name, null)) {
                assertFalse(rs.next(), "no lock table created in a database of a newer Postern");
            }
        }
    }

    // ---- the lock ----

    @Test
    void nodesMigratingOneFreshDatabaseAtOnceEndWithOneSchema() throws Exception {
        for (int round = 0; round < 3; round++) {
            useDatabase("race" + round);
            int nodes = 3;
            CyclicBarrier start = new CyclicBarrier(nodes);
            ExecutorService pool = Executors.newFixedThreadPool(nodes);
            try {
                List<Future<Integer>> versions = new ArrayList<>();
                Migrations.Connections db = this::connect;
                for (int i = 0; i < nodes; i++) {
                    versions.add(pool.submit(() -> {
                        start.await();
                        return new Migrations(db).apply();
                    }));
                }
                for (Future<Integer> v : versions) {
                    assertEquals(Migrations.SCRIPTS.size(), v.get(120, TimeUnit.SECONDS), "round " + round);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(Migrations.SCRIPTS.size(), longValue("SELECT COUNT(*) FROM postern_schema"), "each script once");
            assertEquals(1, longValue("SELECT COUNT(*) FROM postern_schema_lock"));
            assertEquals(1, longValue("SELECT COUNT(*) FROM postern_sequence WHERE name = 'uid_validity'"), "V004's row inserted once");
            assertEquals(1, longValue("SELECT COUNT(*) FROM postern_sequence WHERE name = 'billing_ledger'"), "V020's row inserted once");
        }
    }

    @Test
    void aSecondNodeWaitsWhileTheLockIsHeld() throws Exception {
        migrations().apply();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection other = connect()) {
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                st.executeUpdate("UPDATE postern_schema_lock SET locked_by = 'another node', locked_at = 1 WHERE id = 1");
            }
            Future<Integer> second = pool.submit(() -> migrations().apply());
            assertThrows(TimeoutException.class, () -> second.get(1, TimeUnit.SECONDS), "blocked on the lock row");
            other.commit();
            assertEquals(Migrations.SCRIPTS.size(), second.get(60, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(NOW, longValue("SELECT locked_at FROM postern_schema_lock WHERE id = 1"),
                "the lock row records the last migrator");
    }

    @Test
    void aLockHeldTooLongFailsWithAClearMessage() throws Exception {
        migrations().apply();
        current.shortenLockWaits();
        try (Connection other = connect()) {
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                st.executeUpdate("UPDATE postern_schema_lock SET locked_by = 'another node' WHERE id = 1");
            }
            SQLException e = assertThrows(SQLException.class, () -> migrations().apply());
            assertTrue(e.getMessage().contains("schema migration lock"), e.getMessage());
            other.rollback();
        }
    }

    @Test
    void theLockIsReleasedWhenAMigrationFails() throws SQLException {
        Migrations broken = new Migrations(this::connect, () -> NOW, script -> script.equals("V003__mail.sql")
                ? "CREATE TABLE mailbox (broken"
                : Migrations.shipped(script));
        SQLException e = assertThrows(SQLException.class, broken::apply);
        assertTrue(e.getMessage().contains("V003__mail.sql"), e.getMessage());
        assertEquals(2, longValue("SELECT MAX(version) FROM postern_schema"), "V001 and V002 stay applied");
        assertEquals(Migrations.SCRIPTS.size(), migrations().apply(), "the next start is not locked out");
    }

    @Test
    void databaseRefusesToStartNamingTheChangedMigration() throws SQLException {
        TestDatabase node = useDatabase("node");
        Database db = node.open();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE postern_schema SET checksum = '" + "0".repeat(64) + "' WHERE version = 1");
        }
        db.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, node::open);
        assertTrue(e.getMessage().contains("V001__accounts_and_domains.sql"), e.getMessage());
        assertTrue(e.getMessage().contains("changed after it was applied"), e.getMessage());
    }

    // ---- V004 on databases of version 3 ----

    @Test
    void uidValidityCounterStartsAboveFoldersOfAVersion3Database() throws SQLException {
        assertEquals(3, migrations().apply(3));
        execute("INSERT INTO service_domain (name, created) VALUES ('example.net', 0)",
                "INSERT INTO account (id, local_part, domain, status, created) VALUES "
                        + "('a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 'alice', 'example.net', 'ACTIVE', 0)",
                // A folder whose creation second is later than the clock at the upgrade (clocks move).
                "INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq) "
                        + "VALUES ('m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1', 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 'INBOX', "
                        + (NOW / 1000 + 500) + ", 1, 0)");
        assertEquals(Migrations.SCRIPTS.size(), migrations().apply());
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            assertEquals(NOW / 1000 + 501, Sequences.nextUidValidity(c), "above the newest folder");
            c.rollback();
        }
    }

    @Test
    void uidValidityCounterStartsAboveTheClockWhenFoldersWereDeleted() throws SQLException {
        // A version 3 database whose folders were all deleted: their creation seconds were at
        // most the clock's reading at the upgrade.
        migrations().apply(3);
        migrations().apply();
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            long first = Sequences.nextUidValidity(c);
            assertEquals(NOW / 1000 + 1, first);
            assertEquals(first + 1, Sequences.nextUidValidity(c));
            c.commit();
        }
        assertEquals(NOW / 1000 + 3, longValue("SELECT next_value FROM postern_sequence WHERE name = 'uid_validity'"));
    }

    // ---- V005 on databases of version 4 ----

    @Test
    void mailARemovedAccountKeptIsDeletedAndItsBodiesRecordedByV005() throws SQLException {
        assertEquals(4, migrations().apply(4));
        String alice = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
        String bob = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
        execute("INSERT INTO service_domain (name, created) VALUES ('example.net', 0)",
                "INSERT INTO account (id, local_part, domain, status, created) VALUES "
                        + "('" + alice + "', 'alice', 'example.net', 'REMOVED', 0)",
                "INSERT INTO account (id, local_part, domain, status, created) VALUES "
                        + "('" + bob + "', 'bob', 'example.net', 'ACTIVE', 0)",
                "INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq) "
                        + "VALUES ('11111111111111111111111111111111', '" + alice + "', 'INBOX', 1, 2, 1)",
                "INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq) "
                        + "VALUES ('22222222222222222222222222222222', '" + bob + "', 'INBOX', 2, 2, 1)",
                "INSERT INTO message (mailbox_id, uid, modseq, blob_id, size, received, flags, recipient) VALUES "
                        + "('11111111111111111111111111111111', 1, 1, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 1, 0, '', 'a@x')",
                "INSERT INTO message (mailbox_id, uid, modseq, blob_id, size, received, flags, recipient) VALUES "
                        + "('22222222222222222222222222222222', 1, 1, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 1, 0, '', 'b@x')");
        assertEquals(Migrations.SCRIPTS.size(), migrations().apply());
        assertEquals(0, longValue("SELECT COUNT(*) FROM mailbox WHERE account_id = '" + alice + "'"));
        assertEquals(1, longValue("SELECT COUNT(*) FROM message"), "bob's message stays");
        assertEquals(1, longValue("SELECT COUNT(*) FROM pending_blob_deletion "
                + "WHERE blob_id = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' AND reason = 'account-removed' AND attempts = 0"));
        assertEquals(1, longValue("SELECT COUNT(*) FROM pending_blob_deletion"));
    }

    // ---- V007 on databases of version 6 ----

    @Test
    void v007ComputesEachFoldersUsageAndGivesEmptyFoldersAPositiveModseq() throws SQLException {
        assertEquals(6, migrations().apply(6));
        String bob = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
        execute("INSERT INTO service_domain (name, created) VALUES ('example.net', 0)",
                "INSERT INTO account (id, local_part, domain, status, created) VALUES "
                        + "('" + bob + "', 'bob', 'example.net', 'ACTIVE', 0)",
                "INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq) "
                        + "VALUES ('22222222222222222222222222222222', '" + bob + "', 'INBOX', 2, 3, 2)",
                "INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq) "
                        + "VALUES ('33333333333333333333333333333333', '" + bob + "', 'Empty', 3, 1, 0)",
                "INSERT INTO message (mailbox_id, uid, modseq, blob_id, size, received, flags, recipient) VALUES "
                        + "('22222222222222222222222222222222', 1, 1, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 100, 0, '', 'b@x')",
                "INSERT INTO message (mailbox_id, uid, modseq, blob_id, size, received, flags, recipient) VALUES "
                        + "('22222222222222222222222222222222', 2, 2, 'cccccccccccccccccccccccccccccccc', 23, 0, '', 'b@x')");
        assertEquals(Migrations.SCRIPTS.size(), migrations().apply());
        assertEquals(123, longValue("SELECT used_bytes FROM mailbox WHERE name = 'INBOX'"));
        assertEquals(0, longValue("SELECT used_bytes FROM mailbox WHERE name = 'Empty'"));
        assertEquals(1, longValue("SELECT highest_modseq FROM mailbox WHERE name = 'Empty'"));
        assertEquals(2, longValue("SELECT highest_modseq FROM mailbox WHERE name = 'INBOX'"), "kept");
        assertEquals(2, longValue("SELECT COUNT(*) FROM mailbox WHERE subscribed = 1 AND special_use IS NULL"));
        assertEquals(1, longValue("SELECT COUNT(*) FROM account WHERE quota_bytes IS NULL"), "the default applies");
    }

    // ---- V008 on databases of version 7 ----

    @Test
    void messagesOfAVersion7DatabaseHaveNoStructureUntilOneIsWritten() throws SQLException {
        assertEquals(7, migrations().apply(7));
        execute("INSERT INTO service_domain (name, created) VALUES ('example.net', 0)",
                "INSERT INTO account (id, local_part, domain, status, created) VALUES "
                        + "('a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 'alice', 'example.net', 'ACTIVE', 0)",
                "INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq) "
                        + "VALUES ('m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1', 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 'INBOX', 1, 2, 1)",
                "INSERT INTO message (mailbox_id, uid, modseq, blob_id, size, received, flags, recipient) VALUES "
                        + "('m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1', 1, 1, 'b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1', 5, 0, '', 'x')");
        assertEquals(Migrations.SCRIPTS.size(), migrations().apply());
        assertEquals(1, longValue("SELECT COUNT(*) FROM message WHERE structure IS NULL"), "old messages: none yet");
        // V009: a client that synced before the upgrade reads the UID list once
        assertEquals(1, longValue("SELECT expunged_modseq FROM mailbox"), "expunged_modseq starts at HIGHESTMODSEQ");
        // the column holds the longest stored structure's base64 text on both engines
        String longest = "A".repeat(32672);
        execute("UPDATE message SET structure = '" + longest + "' WHERE uid = 1");
        assertEquals(32672, longValue("SELECT LENGTH(structure) FROM message WHERE uid = 1"));
    }

    // ---- V010 on databases of version 9 ----

    @Test
    void v010AddsAnEmptyOutboundQueueThatHoldsWhatTheStoreWrites() throws SQLException {
        assertEquals(9, migrations().apply(9));
        assertEquals(10, migrations().apply(10));
        assertEquals(0, longValue("SELECT COUNT(*) FROM outbound_message"));
        String id = "0123456789abcdef0123456789abcdef";
        execute("INSERT INTO outbound_message (id, account_id, sender, blob_id, size, created, next_attempt, expires, "
                + "attempts, lease_owner, lease_until) VALUES ('" + id + "', NULL, '', 'b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1', "
                + "5, 0, 0, 0, 0, '" + "o".repeat(64) + "', 1)",
                "INSERT INTO outbound_recipient (message_id, position, address, state, attempts, last_attempt, last_reply) "
                + "VALUES ('" + id + "', 0, '" + "a".repeat(320) + "', 'P', 0, NULL, '" + "r".repeat(500) + "')");
        assertEquals(500, longValue("SELECT LENGTH(last_reply) FROM outbound_recipient"));
        assertThrows(SQLException.class, () -> execute("INSERT INTO outbound_recipient (message_id, position, address, "
                + "state, attempts) VALUES ('" + id + "', 1, 'x', 'X', 0)"), "only P, D and F");
        assertThrows(SQLException.class, () -> execute("UPDATE outbound_recipient SET last_reply = '"
                + "r".repeat(501) + "'"), "a reply longer than the column is refused by the database: the store cuts");
        execute("DELETE FROM outbound_message");
        assertEquals(0, longValue("SELECT COUNT(*) FROM outbound_recipient"), "recipients go with their message");
    }

    // ---- V011 on databases of version 10 ----

    @Test
    void v011KeepsQueuedMailAndItsRecipientsButDeletesNoLongerCascade() throws SQLException {
        assertEquals(10, migrations().apply(10));
        String id = "0123456789abcdef0123456789abcdef";
        execute("INSERT INTO outbound_message (id, account_id, sender, blob_id, size, created, next_attempt, expires, "
                + "attempts, lease_owner, lease_until) VALUES ('" + id + "', NULL, '', 'b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1', "
                + "5, 0, 0, 0, 0, NULL, NULL)",
                "INSERT INTO outbound_recipient (message_id, position, address, state, attempts) "
                + "VALUES ('" + id + "', 0, 'carol@example.org', 'P', 0)");

        assertEquals(11, migrations().apply(11));

        assertEquals(1, longValue("SELECT COUNT(*) FROM outbound_recipient WHERE message_id = '" + id + "'"),
                "queued mail survives the migration");
        assertThrows(SQLException.class, () -> execute("DELETE FROM outbound_message"),
                "a message with recipients is no longer deleted from under them");
        assertThrows(SQLException.class, () -> execute("INSERT INTO outbound_recipient (message_id, position, address, "
                + "state, attempts) VALUES ('ffffffffffffffffffffffffffffffff', 0, 'x@example.org', 'P', 0)"),
                "a recipient still needs its message");
        execute("DELETE FROM outbound_recipient", "DELETE FROM outbound_message");
        assertEquals(0, longValue("SELECT COUNT(*) FROM outbound_message"));
    }

    // ---- V012 on databases of version 11 ----

    @Test
    void v012KeepsMessagesButDeletingAFolderNoLongerCascades() throws SQLException {
        assertEquals(11, migrations().apply(11));
        execute("INSERT INTO service_domain (name, created) VALUES ('example.net', 0)");
        execute("INSERT INTO account (id, local_part, domain, status, password_hash, created, expires) "
                + "VALUES ('a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 'alice', 'example.net', 'ACTIVE', 'x', 0, NULL)");
        execute("INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq) VALUES "
                + "('m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1', 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 'INBOX', 1, 2, 1)");
        execute("INSERT INTO message (mailbox_id, uid, modseq, blob_id, size, received, flags, recipient) VALUES "
                + "('m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1', 1, 1, 'b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1', 5, 0, '', 'alice@example.net')");

        assertEquals(12, migrations().apply(12));

        assertEquals(1, longValue("SELECT COUNT(*) FROM message"), "mail survives the migration");
        assertThrows(SQLException.class, () -> execute("DELETE FROM mailbox"),
                "a folder with messages is no longer deleted from under them");
        assertThrows(SQLException.class, () -> execute("INSERT INTO message (mailbox_id, uid, modseq, blob_id, size, "
                + "received, flags, recipient) VALUES ('ffffffffffffffffffffffffffffffff', 1, 1, "
                + "'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2', 5, 0, '', 'x@example.net')"), "a message still needs its folder");
        execute("DELETE FROM message", "DELETE FROM mailbox");
        assertEquals(0, longValue("SELECT COUNT(*) FROM mailbox"));
    }

    // ---- V013 on databases of version 12 ----

    @Test
    void v013KeepsQueuedMail() throws SQLException {
        assertEquals(12, migrations().apply(12));
        execute("INSERT INTO outbound_message (id, account_id, sender, blob_id, size, created, next_attempt, expires, "
                + "attempts, lease_owner, lease_until) VALUES ('0123456789abcdef0123456789abcdef', NULL, '', "
                + "'b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1', 5, 0, 0, 0, 3, NULL, NULL)");
        assertEquals(13, migrations().apply(13));
        assertEquals(1, longValue("SELECT COUNT(*) FROM outbound_message WHERE attempts = 3"));
        assertEquals(1, longValue("SELECT COUNT(*) FROM outbound_message WHERE attempts > 0 AND next_attempt <= 1"));
    }

    // ---- V014 on databases of version 13 ----

    @Test
    void v014AddsTheDavTablesWithABodyColumnOfTheDatabasesBinaryType() throws SQLException {
        assertEquals(13, migrations().apply(13));
        assertEquals(14, migrations().apply(14));
        execute("INSERT INTO dav_principal (account_id, principal_id, created, sync_seq) VALUES "
                + "('a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3', 0, 0)");
        execute("INSERT INTO dav_resource (id, account_id, parent_id, name, collection, content_type, length, etag, created, "
                + "modified, sync_seq) VALUES ('d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4', 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', "
                + "'00000000000000000000000000000000', 'files', 1, NULL, 0, NULL, 0, 0, 1)");
        assertEquals(1, longValue("SELECT COUNT(*) FROM dav_resource WHERE body IS NULL"));
        assertEquals(0, longValue("SELECT COUNT(*) FROM dav_lock"));
        assertEquals(0, longValue("SELECT COUNT(*) FROM dav_tombstone"));
    }

    // ---- V015 on databases of version 14 ----

    @Test
    void v015GivesExistingDavRowsNoSpanSoThatEveryQueryStillReadsThem() throws SQLException {
        assertEquals(14, migrations().apply(14));
        execute("INSERT INTO dav_resource (id, account_id, parent_id, name, collection, content_type, length, etag, created, "
                + "modified, sync_seq) VALUES ('d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4', 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', "
                + "'00000000000000000000000000000000', 'e.ics', 0, 'text/calendar', 0, NULL, 0, 0, 1)");
        assertEquals(Migrations.SCRIPTS.size(), migrations().apply());
        assertEquals(1, longValue("SELECT COUNT(*) FROM dav_resource WHERE span_start IS NULL AND span_end IS NULL"));
        execute("UPDATE dav_resource SET span_start = -9223372036854775807, span_end = 9223372036854775807");
        assertEquals(1, longValue("SELECT COUNT(*) FROM dav_resource WHERE span_start < 0 AND span_end > 0"));
    }
}
