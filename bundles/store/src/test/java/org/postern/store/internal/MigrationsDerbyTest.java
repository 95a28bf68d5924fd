package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The migration runner against a real embedded Derby, including databases of earlier versions. */
class MigrationsDerbyTest {
    private static final long NOW = 1_750_000_000_000L;

    @TempDir
    Path dir;

    private String url;

    @BeforeEach
    void freshDatabase() throws SQLException {
        StoreTestSupport.derbyFactory(); // loads the support class: Derby log and durability settings
        url = "jdbc:derby:" + dir.resolve("db");
        connect(";create=true").close();
    }

    @AfterEach
    void shutDown() {
        StoreTestSupport.shutdownDerby(dir);
    }

    private Connection connect(String attributes) throws SQLException {
        return new org.apache.derby.jdbc.EmbeddedDriver().connect(url + attributes, new Properties());
    }

    private Connection connect() throws SQLException {
        return connect("");
    }

    private static long longValue(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getLong(1);
        }
    }

    @Test
    void uidValidityCounterStartsAboveFoldersOfAVersion3Database() throws SQLException {
        try (Connection c = connect()) {
            assertEquals(3, new Migrations(c, () -> NOW).apply(3));
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO service_domain (name, created) VALUES ('example.net', 0)");
                st.executeUpdate("INSERT INTO account (id, local_part, domain, status, created) VALUES "
                        + "('a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 'alice', 'example.net', 'ACTIVE', 0)");
                // A folder whose creation second is later than the clock at the upgrade (clocks move).
                st.executeUpdate("INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq) "
                        + "VALUES ('m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1', 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 'INBOX', "
                        + (NOW / 1000 + 500) + ", 1, 0)");
            }
            assertEquals(Migrations.SCRIPTS.size(), new Migrations(c, () -> NOW).apply());
            c.setAutoCommit(false);
            assertEquals(NOW / 1000 + 501, Sequences.nextUidValidity(c), "above the newest folder");
            c.rollback();
        }
    }

    @Test
    void uidValidityCounterStartsAboveTheClockWhenFoldersWereDeleted() throws SQLException {
        try (Connection c = connect()) {
            // A version 3 database whose folders were all deleted: their creation seconds were at
            // most the clock's reading at the upgrade.
            new Migrations(c, () -> NOW).apply(3);
            new Migrations(c, () -> NOW).apply();
            c.setAutoCommit(false);
            long first = Sequences.nextUidValidity(c);
            assertEquals(NOW / 1000 + 1, first);
            assertEquals(first + 1, Sequences.nextUidValidity(c));
            c.commit();
            assertEquals(first + 2, longValue(c, "SELECT next_value FROM postern_sequence WHERE name = 'uid_validity'"));
            c.commit();
        }
    }
}
