package org.postern.store.postgresql.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.jdbc.DataSourceFactory;
import org.postern.core.store.ChangeListener;

/**
 * The feed against the PostgreSQL server scripts/with-postgresql started: another session's
 * NOTIFY reaches the listeners, and a lost listening connection makes them resync, twice (on
 * loss and on return), after which notifications flow again.
 */
class PostgresqlChangeFeedTest {
    private static final long DEADLINE_SECONDS = 60;

    private final List<String> heard = new CopyOnWriteArrayList<>();
    private final AtomicInteger resyncs = new AtomicInteger();
    private final List<Boolean> hearing = new CopyOnWriteArrayList<>();
    private PostgresqlChangeFeed feed;

    private final ChangeListener listener = new ChangeListener() {
        @Override
        public void changed(String topic, String key) {
            heard.add(topic + "/" + key);
        }

        @Override
        public void resync() {
            resyncs.incrementAndGet();
        }

        @Override
        public void hearing(boolean changesAreHeard) {
            hearing.add(changesAreHeard);
            ChangeListener.super.hearing(changesAreHeard); // the default: resync
        }
    };

    @BeforeEach
    void start() throws SQLException {
        String url = System.getenv("POSTERN_TEST_PG_URL");
        if (url == null) {
            org.junit.jupiter.api.Assumptions.assumeFalse("skip".equals(System.getProperty("postern.test.postgresql")));
            throw new IllegalStateException("needs a PostgreSQL server: run through scripts/with-postgresql "
                    + "(the README's test command), or -Dpostern.test.postgresql=skip");
        }
        feed = new PostgresqlChangeFeed(factory(), config(url));
        feed.addListener(listener);
        // Not resyncs: a listener added before the first LISTEN is told hearing(false) at once.
        waitFor("the feed to listen", () -> hearing.contains(true));
    }

    @AfterEach
    void stop() {
        if (feed != null) {
            feed.stop();
        }
    }

    @Test
    void anotherSessionsNotifyReachesTheListeners() throws Exception {
        notifyFromAnotherNode("policy 0123456789abcdef0123456789abcdef");
        waitFor("the notification", () -> heard.contains("policy/0123456789abcdef0123456789abcdef"));
    }

    @Test
    void aLostConnectionResyncsAndListeningResumes() throws Exception {
        int before = resyncs.get();
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'postern-change-feed'")) {
            ps.executeQuery().close();
        }
        waitFor("resync on loss and on return", () -> resyncs.get() >= before + 2);
        waitFor("deaf, then hearing again", () -> hearing.lastIndexOf(false) >= 0
                && hearing.lastIndexOf(true) > hearing.lastIndexOf(false));
        // Listening again: a notification sent now arrives (retried: LISTEN may lag the resync by a moment).
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!heard.contains("account/after") && System.nanoTime() < end) {
            notifyFromAnotherNode("account after");
            Thread.sleep(200);
        }
        assertTrue(heard.contains("account/after"), "heard after reconnecting: " + heard);
    }

    @Test
    void aMalformedPayloadIsIgnored() throws Exception {
        notifyFromAnotherNode("nospace");
        notifyFromAnotherNode("policy fine");
        waitFor("the well-formed one", () -> heard.contains("policy/fine"));
        assertTrue(heard.stream().noneMatch(h -> h.startsWith("nospace")), heard.toString());
    }

    private static void notifyFromAnotherNode(String payload) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, PostgresqlChangeFeed.CHANNEL);
            ps.setString(2, payload);
            ps.executeQuery().close();
        }
    }

    private static Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", System.getenv("POSTERN_TEST_PG_USER"));
        p.setProperty("password", System.getenv("POSTERN_TEST_PG_PASSWORD"));
        return new org.postgresql.Driver().connect(System.getenv("POSTERN_TEST_PG_URL"), p);
    }

    private static void waitFor(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no " + what + " within " + DEADLINE_SECONDS + " s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static ChangeFeedConfig config(String url) {
        return (ChangeFeedConfig) Proxy.newProxyInstance(ChangeFeedConfig.class.getClassLoader(),
                new Class<?>[] {ChangeFeedConfig.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "jdbc_url":
                            return url;
                        case "jdbc_user":
                            return System.getenv("POSTERN_TEST_PG_USER");
                        case "jdbc_password":
                            return System.getenv("POSTERN_TEST_PG_PASSWORD");
                        default:
                            return method.getDefaultValue();
                    }
                });
    }

    /** What pgjdbc's OSGi DataSourceFactory hands out; the feed only asks it for the driver. */
    private static DataSourceFactory factory() {
        return (DataSourceFactory) Proxy.newProxyInstance(DataSourceFactory.class.getClassLoader(),
                new Class<?>[] {DataSourceFactory.class},
                (proxy, method, args) -> method.getName().equals("createDriver") ? new org.postgresql.Driver() : null);
    }
}
