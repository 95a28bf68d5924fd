package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;
import org.postern.core.store.AccountRecord;
import org.postern.core.store.StoreException;

class DatabaseTest {
    @TempDir
    Path dataDir;

    private Database db;

    @BeforeEach
    void pointDataDirectoryHere() {
        StoreTestSupport.useDataDirectory(dataDir);
    }

    @AfterEach
    void shutDown() {
        try {
            if (db != null) {
                db.close();
            }
        } finally {
            StoreTestSupport.clearDataDirectory();
        }
    }

    private static Database open() {
        return new Database(StoreTestSupport.derbyFactory(), StoreTestSupport.defaultStoreConfig(), Map.of());
    }

    @Test
    void freshDatabaseIsMigratedToVersionOne() throws Exception {
        db = open();
        assertEquals(Migrations.SCRIPTS.size(), db.schemaVersion());
        assertEquals(dataDir.toAbsolutePath().normalize(), db.dataDirectory());
        assertTrue(Files.isDirectory(dataDir.resolve("db")), "embedded database under postern.data/db");
        assertTrue(db.databaseProduct().contains("Derby"), db.databaseProduct());
        assertTrue(db.jdbcUrl().startsWith("jdbc:derby:" + dataDir.resolve("db")), db.jdbcUrl());
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM service_domain")) {
            rs.next();
            assertEquals(0, rs.getInt(1));
        }
    }

    @Test
    void reopeningKeepsVersionAndData() {
        db = open();
        new JdbcDomainRepository(db).insertServiceDomain("example.net");
        AccountRecord alice = new AccountRecord("0123456789abcdef0123456789abcdef",
                MailAddress.parse("alice@example.net"), AccountStatus.ACTIVE, "$argon2id$x",
                Instant.ofEpochMilli(1_700_000_000_123L), LocalDate.of(2030, 1, 2));
        new JdbcAccountRepository(db).insert(alice);
        db.close();
        db = null;

        db = open();
        assertEquals(Migrations.SCRIPTS.size(), db.schemaVersion());
        assertEquals(List.of("example.net"), new JdbcDomainRepository(db).serviceDomains());
        AccountRecord back = new JdbcAccountRepository(db).byId(alice.id()).orElseThrow();
        assertEquals(alice.address(), back.address());
        assertEquals(alice.created(), back.created());
        assertEquals(alice.expires(), back.expires());
    }

    @Test
    void migrationRunsOnlyOnce() throws Exception {
        db = open();
        db.close();
        db = open();
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM postern_schema")) {
            rs.next();
            assertEquals(Migrations.SCRIPTS.size(), rs.getInt(1), "one row per applied migration, none twice");
        }
    }

    @Test
    void aSecondNodeOnTheSameDataDirectoryIsRefusedUntilTheFirstStops() {
        db = open();
        IllegalStateException e = assertThrows(IllegalStateException.class, DatabaseTest::open);
        assertTrue(e.getMessage().contains("in use by another instance"), e.getMessage());
        assertTrue(e.getMessage().contains("postern.data"), e.getMessage());
        assertTrue(db.schemaVersion() > 0, "the first one keeps running");
        db.close();
        db = open();
        assertEquals(Migrations.SCRIPTS.size(), db.schemaVersion());
    }

    @Test
    void refusesSchemaNewerThanItKnows() throws Exception {
        db = open();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO postern_schema (version, script, applied) VALUES (99, 'V099__future.sql', 0)");
        }
        db.close();
        db = null;
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, DatabaseTest::open);
            assertTrue(e.getMessage().contains("newer"), e.getMessage());
        } finally {
            StoreTestSupport.shutdownDerby(dataDir);
        }
    }

    @Test
    void unwritableDataDirectoryIsRefusedNamingTheDirectory() throws Exception {
        // Tests run as root, so permission bits would not stop us: put the directory under a file.
        Path file = Files.writeString(dataDir.resolve("not-a-directory"), "x");
        Path bad = file.resolve("data");
        StoreTestSupport.useDataDirectory(bad);
        IllegalStateException e = assertThrows(IllegalStateException.class, DatabaseTest::open);
        assertTrue(e.getMessage().contains(bad.toAbsolutePath().normalize().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not writable"), e.getMessage());
    }

    @Test
    void malformedFsyncPropertyIsRefusedNamingTheKey() {
        Map<String, Object> props = new HashMap<>();
        props.put("blob.fsync", "maybe");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Database(StoreTestSupport.derbyFactory(), StoreTestSupport.defaultStoreConfig(), props));
        assertTrue(e.getMessage().contains("blob.fsync"), e.getMessage());
        assertTrue(e.getMessage().contains("maybe"), e.getMessage());
        assertTrue(e.getMessage().contains(StoreConfig.PID), e.getMessage());
        assertFalse(Files.exists(dataDir.resolve("db")), "nothing opened for a bad configuration");
    }

    @Test
    void urlTheDriverRefusesFailsWithoutLeakingThePassword() {
        StoreConfig config = StoreTestSupport.storeConfig(Map.of(
                "jdbc_url", "jdbc:nosuchdb://dbhost/postern;password=hunter2",
                "jdbc_user", "postern", "jdbc_password", "hunter2"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Database(StoreTestSupport.derbyFactory(), config, Map.of()));
        assertTrue(e.getMessage().contains("jdbc:nosuchdb://dbhost/postern"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void transactionRollsBackWhenWorkFails() {
        db = open();
        JdbcDomainRepository domains = new JdbcDomainRepository(db);
        assertThrows(StoreException.class, () -> db.transaction(c -> {
            Database.update(c, "INSERT INTO service_domain (name, created) VALUES ('example.org', 0)", ps -> { });
            Database.update(c, "INSERT INTO no_such_table (x) VALUES (1)", ps -> { });
            return null;
        }));
        assertFalse(domains.isServiceDomain("example.org"), "first insert rolled back");
    }

    @Test
    void redactRemovesUserInfoFromUrls() {
        assertEquals("jdbc:postgresql://db.example:5432/postern",
                Database.redact("jdbc:postgresql://bob:secret@db.example:5432/postern"));
        assertEquals("jdbc:mysql://db.example/postern",
                Database.redact("jdbc:mysql://bob@db.example/postern"));
        assertEquals("jdbc:postgresql://db.example/postern",
                Database.redact("jdbc:postgresql://bob:p@ss@db.example/postern"), "an @ inside the password");
        assertEquals("jdbc:oracle:thin:***@//db.example:1521/postern",
                Database.redact("jdbc:oracle:thin:scott/tiger@//db.example:1521/postern"));
    }

    @Test
    void redactMasksPasswordAndUserParameters() {
        assertEquals("jdbc:derby:/srv/db;user=***;password=***;create=true",
                Database.redact("jdbc:derby:/srv/db;user=bob;password=secret;create=true"));
        assertEquals("jdbc:mysql://h/db?user=***&password=***&useSSL=true",
                Database.redact("jdbc:mysql://h/db?user=bob&password=secret&useSSL=true"));
        assertEquals("jdbc:sqlserver://h;PWD=***;databaseName=postern",
                Database.redact("jdbc:sqlserver://h;PWD=secret;databaseName=postern"));
        assertEquals("jdbc:derby:/srv/db;PASSWORD=***", Database.redact("jdbc:derby:/srv/db;PASSWORD=Secret"));
    }

    @Test
    void redactLeavesUrlsWithoutCredentialsAlone() {
        String url = "jdbc:derby:/srv/postern-data/db;create=true";
        assertEquals(url, Database.redact(url));
        assertEquals("jdbc:postgresql://db.example:5432/postern",
                Database.redact("jdbc:postgresql://db.example:5432/postern"));
    }

    @Test
    void onlyDerbysOwnCompilationRaceIsRunAgain() {
        java.sql.SQLException race = new java.sql.SQLException("Java exception", "XJ001", new ClassCastException(
                "class org.apache.derby.catalog.types.ReferencedColumnsDescriptorImpl cannot be cast to class "
                        + "org.apache.derby.iapi.sql.execute.ExecRowBuilder"));
        assertTrue(Database.derbyCompilationRace(race));
        assertFalse(Database.derbyCompilationRace(new java.sql.SQLException("Java exception", "XJ001",
                new ClassCastException("class com.example.A cannot be cast to class com.example.B"))));
        assertFalse(Database.derbyCompilationRace(new java.sql.SQLException("duplicate", "23505")));
    }
}
