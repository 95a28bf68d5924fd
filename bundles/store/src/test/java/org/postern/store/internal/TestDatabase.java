package org.postern.store.internal;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.osgi.service.jdbc.DataSourceFactory;

/**
 * One empty database for one test, on the engine the test class runs against: embedded Derby
 * under the test's data directory, or a database of its own on the PostgreSQL server that
 * {@code scripts/with-postgresql} started (POSTERN_TEST_PG_URL, _USER, _PASSWORD), dropped at
 * {@link #close()}.
 *
 * <p>Without a PostgreSQL server the PostgreSQL tests fail, saying how to get one: a green build
 * must mean both databases passed. {@code -Dpostern.test.postgresql=skip} skips them on purpose.
 */
final class TestDatabase implements AutoCloseable {
    enum Engine { DERBY, POSTGRESQL }

    static final String PG_URL = "POSTERN_TEST_PG_URL";

    private final Engine engine;
    private final Path dataDir;
    private final String name;

    private TestDatabase(Engine engine, Path dataDir, String name) {
        this.engine = engine;
        this.dataDir = dataDir;
        this.name = name;
    }

    /**
     * A new empty database. For Derby it lives at {@code dataDir/db}, where the store's default
     * configuration finds it; {@code dataDir} also becomes {@code postern.data}.
     */
    static TestDatabase create(Engine engine, Path dataDir) {
        StoreTestSupport.useDataDirectory(dataDir);
        if (engine == Engine.DERBY) {
            return new TestDatabase(engine, dataDir, null);
        }
        requirePostgresql();
        String name = "postern_t" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + ": " + e.getMessage(), e);
        }
        return new TestDatabase(engine, dataDir, name);
    }

    static void requirePostgresql() {
        assumeFalse("skip".equals(System.getProperty("postern.test.postgresql")),
                "PostgreSQL tests skipped on request (-Dpostern.test.postgresql=skip)");
        if (System.getenv(PG_URL) == null) {
            throw new IllegalStateException("the PostgreSQL half of the store tests needs a server: run the build "
                    + "through scripts/with-postgresql (as the README's test command does), or set " + PG_URL
                    + ", POSTERN_TEST_PG_USER and POSTERN_TEST_PG_PASSWORD; -Dpostern.test.postgresql=skip "
                    + "skips them");
        }
    }

    Engine engine() {
        return engine;
    }

    /** The JDBC URL of this test's database. */
    String url() {
        if (engine == Engine.DERBY) {
            return "jdbc:derby:" + dataDir.resolve("db");
        }
        String server = System.getenv(PG_URL);
        return server.substring(0, server.lastIndexOf('/') + 1) + name;
    }

    /** The store's configuration for this database, with {@code overrides} (keyed by method name). */
    StoreConfig config(Map<String, Object> overrides) {
        Map<String, Object> values = new HashMap<>();
        if (engine == Engine.POSTGRESQL) {
            values.put("jdbc_url", url());
            values.put("jdbc_user", System.getenv("POSTERN_TEST_PG_USER"));
            values.put("jdbc_password", System.getenv("POSTERN_TEST_PG_PASSWORD"));
            values.put("jdbc_pool_size", 4);
        }
        values.putAll(overrides);
        return StoreTestSupport.storeConfig(values);
    }

    /** The store, started on this database as DS would start it. */
    Database open() {
        return open(Map.of());
    }

    Database open(Map<String, Object> overrides) {
        return new Database(factory(), config(overrides), Map.of());
    }

    DataSourceFactory factory() {
        return engine == Engine.DERBY ? StoreTestSupport.derbyFactory() : postgresqlFactory();
    }

    /** A plain connection to this database (Derby: created if missing), outside the store. */
    Connection connect() throws SQLException {
        if (engine == Engine.DERBY) {
            return new org.apache.derby.jdbc.EmbeddedDriver().connect(url() + ";create=true", new Properties());
        }
        return new org.postgresql.Driver().connect(url(), credentials());
    }

    /**
     * Makes waits for a row lock give up after about a second: Derby's
     * {@code derby.locks.waitTimeout}, PostgreSQL's {@code lock_timeout} for new sessions.
     */
    void shortenLockWaits() throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            if (engine == Engine.DERBY) {
                st.execute("CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY('derby.locks.waitTimeout', '1')");
            } else {
                st.execute("ALTER DATABASE " + name + " SET lock_timeout = '1s'");
            }
        }
    }

    @Override
    public void close() {
        try {
            if (engine == Engine.DERBY) {
                StoreTestSupport.shutdownDerby(dataDir);
            } else {
                try (Connection c = admin(); Statement st = c.createStatement()) {
                    st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                } catch (SQLException e) {
                    throw new IllegalStateException("cannot drop test database " + name + ": " + e.getMessage(), e);
                }
            }
        } finally {
            StoreTestSupport.clearDataDirectory();
        }
    }

    @Override
    public String toString() {
        return engine.name().toLowerCase(Locale.ROOT);
    }

    private static Properties credentials() {
        Properties p = new Properties();
        p.setProperty("user", System.getenv("POSTERN_TEST_PG_USER"));
        p.setProperty("password", System.getenv("POSTERN_TEST_PG_PASSWORD"));
        return p;
    }

    private static Connection admin() throws SQLException {
        return new org.postgresql.Driver().connect(System.getenv(PG_URL), credentials());
    }

    /** What pgjdbc's own OSGi DataSourceFactory hands the store: its driver. */
    static DataSourceFactory postgresqlFactory() {
        return StoreTestSupport.driverFactory(org.postgresql.Driver::new);
    }
}
