package org.postern.store.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versioned schema migrations. Each script runs once, in its own transaction together with the
 * row that records it, so a failed migration leaves the schema at the previous version. Scripts
 * are listed here, in order, rather than discovered: the order is part of the schema.
 */
final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    /** Script {@code i} (0-based) takes the schema to version {@code i + 1}. Never edit a shipped one. */
    static final List<String> SCRIPTS = List.of(
            "V001__accounts_and_domains.sql",
            "V002__policy.sql",
            "V003__mail.sql",
            "V004__uid_validity_sequence.sql");

    /**
     * Java run after a script, in its transaction, for what portable SQL cannot say. Part of the
     * migration like the script itself: never change a shipped one either.
     */
    interface Step {
        void run(Connection c, long nowMillis) throws SQLException;
    }

    static final Map<String, Step> AFTER = Map.of(
            "V004__uid_validity_sequence.sql", Migrations::uidValidityAboveTheClock);

    private final Connection connection;
    private final LongSupplier clock;

    Migrations(Connection connection) {
        this(connection, System::currentTimeMillis);
    }

    Migrations(Connection connection, LongSupplier clock) {
        this.connection = connection;
        this.clock = clock;
    }

    /** @return the schema version after applying what was missing */
    int apply() throws SQLException {
        return apply(SCRIPTS.size());
    }

    /** Up to version {@code target} only: tests build yesterday's databases with it. */
    int apply(int target) throws SQLException {
        ensureVersionTable();
        int current = currentVersion();
        if (current > SCRIPTS.size()) {
            throw new SQLException("database schema version " + current + " is newer than this Postern knows ("
                    + SCRIPTS.size() + "); refusing to touch it");
        }
        for (int v = current + 1; v <= target; v++) {
            String script = SCRIPTS.get(v - 1);
            connection.setAutoCommit(false);
            try (Statement st = connection.createStatement()) {
                for (String sql : statements(read(script))) {
                    st.execute(sql);
                }
                Step after = AFTER.get(script);
                if (after != null) {
                    after.run(connection, clock.getAsLong());
                }
                st.executeUpdate("INSERT INTO postern_schema (version, script, applied) VALUES (" + v + ", '"
                        + script + "', " + System.currentTimeMillis() + ")");
                connection.commit();
                LOG.info("Postern store: applied schema migration {} ({})", v, script);
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw new SQLException("schema migration " + script + " failed: " + e.getMessage(), e);
            } finally {
                connection.setAutoCommit(true);
            }
        }
        return currentVersion();
    }

    /**
     * V004: UIDVALIDITY used to be the creation second, so folders created and deleted before
     * this migration may have used values up to now. Starting the counter above the clock keeps
     * every later value larger than those (RFC 3501 2.3.1.1), and a database recreated from
     * scratch starts above the one it replaces, unless that handed out more than one per second.
     */
    static void uidValidityAboveTheClock(Connection c, long nowMillis) throws SQLException {
        long floor = nowMillis / 1000 + 1;
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE postern_sequence SET next_value = ? WHERE name = 'uid_validity' AND next_value < ?")) {
            ps.setLong(1, floor);
            ps.setLong(2, floor);
            ps.executeUpdate();
        }
    }

    private void ensureVersionTable() throws SQLException {
        DatabaseMetaData md = connection.getMetaData();
        for (String name : new String[] {"POSTERN_SCHEMA", "postern_schema"}) {
            try (ResultSet rs = md.getTables(null, null, name, null)) {
                if (rs.next()) {
                    return;
                }
            }
        }
        try (Statement st = connection.createStatement()) {
            st.execute("CREATE TABLE postern_schema (version INT NOT NULL PRIMARY KEY, "
                    + "script VARCHAR(200) NOT NULL, applied BIGINT NOT NULL)");
        }
    }

    private int currentVersion() throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SELECT MAX(version) FROM postern_schema")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String read(String script) throws SQLException {
        try (InputStream in = Migrations.class.getResourceAsStream("migrations/" + script)) {
            if (in == null) {
                throw new SQLException("migration script missing from the bundle: " + script);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SQLException("cannot read migration " + script, e);
        }
    }

    /** Splits on ';' at line ends and drops '--' comment lines. Scripts keep to that form. */
    static List<String> statements(String script) {
        StringBuilder cleaned = new StringBuilder();
        for (String line : script.split("\n")) {
            if (!line.trim().startsWith("--")) {
                cleaned.append(line).append('\n');
            }
        }
        return java.util.Arrays.stream(cleaned.toString().split(";\\s*\n"))
                .map(String::trim).map(s -> s.endsWith(";") ? s.substring(0, s.length() - 1) : s)
                .filter(s -> !s.isEmpty()).toList();
    }
}
