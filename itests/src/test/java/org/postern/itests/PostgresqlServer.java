package org.postern.itests;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.Assume;

/**
 * The PostgreSQL server scripts/with-postgresql started for this build (POSTERN_TEST_PG_URL,
 * _USER, _PASSWORD, _CTL). Tests get databases of their own on it, and the fault tests stop and
 * start it. Without it the PostgreSQL itests fail, saying how to get one;
 * {@code -Dpostern.test.postgresql=skip} skips them on purpose.
 */
final class PostgresqlServer {
    private PostgresqlServer() {
    }

    static void require() {
        Assume.assumeFalse("PostgreSQL itests skipped on request",
                "skip".equals(System.getProperty("postern.test.postgresql")));
        if (System.getenv("POSTERN_TEST_PG_URL") == null) {
            throw new IllegalStateException("the PostgreSQL itests need a server: run the build through "
                    + "scripts/with-postgresql (the README's test command), or -Dpostern.test.postgresql=skip");
        }
    }

    static String user() {
        return System.getenv("POSTERN_TEST_PG_USER");
    }

    static String password() {
        return System.getenv("POSTERN_TEST_PG_PASSWORD");
    }

    static String url(String database) {
        String server = System.getenv("POSTERN_TEST_PG_URL");
        return server.substring(0, server.lastIndexOf('/') + 1) + database;
    }

    static String createDatabase() throws SQLException {
        String name = "postern_it" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        try (Connection c = connect("postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return name;
    }

    static void dropDatabase(String name) throws SQLException {
        try (Connection c = connect("postgres"); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    static Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user());
        p.setProperty("password", password());
        return new org.postgresql.Driver().connect(url(database), p);
    }

    /** pg_ctl stop -m fast: clients' connections are closed, new ones refused. */
    static void stop() throws Exception {
        PosternProcess.run(List.of(System.getenv("POSTERN_TEST_PG_CTL"), "stop"), null, 120);
    }

    static void start() throws Exception {
        PosternProcess.run(List.of(System.getenv("POSTERN_TEST_PG_CTL"), "start"), null, 120);
    }
}
