package org.postern.store.postgresql.internal;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.jdbc.DataSourceFactory;
import org.postern.core.store.ChangeListener;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells this node's {@link ChangeListener}s what other nodes changed. The store announces every
 * change with {@code NOTIFY postern_changes, '<topic> <key>'} in the transaction that makes it;
 * PostgreSQL delivers it at commit to every session that LISTENs, this node's own included
 * (hearing its own change again is harmless: a second invalidation). This component keeps one
 * connection of its own, outside the store's pool, LISTENing on one daemon thread.
 *
 * <p>While that connection is down, changes may be missed. So on losing it every listener is
 * told {@link ChangeListener#hearing(boolean) hearing(false)} (drop what is cached, cache
 * nothing), and on getting it back {@code hearing(true)} (drop it again, cache again). One log
 * line when the feed goes, one when it is back.
 *
 * <p>Configured by the store's PID and its {@code dataSourceFactory.target}: it listens where
 * the store writes. With any other database (embedded Derby: one node) it does nothing.
 */
@Component(configurationPid = "org.postern.store", configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = {})
public class PostgresqlChangeFeed {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresqlChangeFeed.class);
    static final String CHANNEL = "postern_changes";
    private static final long MAX_BACKOFF_MILLIS = 10_000;
    /** How often the listening connection is checked for life when nothing arrives. */
    private static final long CHECK_MILLIS = 30_000;

    private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
    private final Driver driver;
    private final String url;
    private final Properties props = new Properties();
    private final long checkMillis;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Connection current;
    /** True from losing the connection until listening again; also before the first LISTEN. */
    private volatile boolean deaf;

    @Activate
    public PostgresqlChangeFeed(@Reference(name = "dataSourceFactory") DataSourceFactory factory,
            ChangeFeedConfig config) throws SQLException {
        this.url = config.jdbc_url().trim();
        this.checkMillis = CHECK_MILLIS;
        if (!url.startsWith("jdbc:postgresql:")) {
            this.driver = null;
            this.thread = null;
            return;
        }
        this.driver = factory.createDriver(null);
        if (!config.jdbc_user().isEmpty()) {
            props.setProperty("user", config.jdbc_user());
            props.setProperty("password", config.jdbc_password());
        }
        props.setProperty("connectTimeout", "10");
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", "postern-change-feed");
        this.deaf = true; // until the first LISTEN
        this.thread = new Thread(this::run, "postern-change-feed");
        thread.setDaemon(true);
        thread.start();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(ChangeListener l) {
        synchronized (listeners) {
            listeners.add(l);
            if (deaf) {
                l.hearing(false);
            }
        }
    }

    void removeListener(ChangeListener l) {
        listeners.remove(l);
    }

    @Deactivate
    void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            closeQuietly(current);
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        long backoff = 500;
        boolean lost = false;
        while (running) {
            long connectedAt = 0;
            try (Connection c = driver.connect(url, props)) {
                if (c == null) {
                    LOG.error("Postern change feed not started: the configured driver does not accept the store's URL");
                    return;
                }
                current = c;
                if (!running) {
                    return; // stopped while connecting
                }
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + CHANNEL);
                }
                connectedAt = System.nanoTime();
                // Listening (again): whatever happened meanwhile is unknown to this node's caches.
                synchronized (listeners) {
                    deaf = false;
                    tellAll(true);
                }
                if (lost) {
                    LOG.info("Postern change feed: listening again; caches were dropped and refill from the database");
                    lost = false;
                } else {
                    LOG.info("Postern change feed: listening for other nodes' changes");
                }
                listen(c);
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                synchronized (listeners) {
                    deaf = true;
                    tellAll(false);
                }
                if (!lost) {
                    lost = true;
                    LOG.info("Postern change feed: lost the database ({}); until it is back nothing is cached and "
                            + "each lookup reads the database", firstLine(e));
                }
            } finally {
                current = null;
            }
            // A connection that lived a while earns a quick reconnect; one that dies at once does not.
            if (connectedAt != 0 && System.nanoTime() - connectedAt > TimeUnit.SECONDS.toNanos(60)) {
                backoff = 500;
            }
            sleep(backoff);
            backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
        }
    }

    /** Hands notifications to the listeners until the connection fails or the feed stops. */
    private void listen(Connection c) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        long lastCheck = System.nanoTime();
        while (running) {
            PGNotification[] notes = pg.getNotifications((int) Math.min(checkMillis, 1000));
            if (notes != null) {
                for (PGNotification n : notes) {
                    deliver(n.getParameter());
                }
            }
            if (System.nanoTime() - lastCheck > TimeUnit.MILLISECONDS.toNanos(checkMillis)) {
                // getNotifications does not notice a peer that vanished without closing the socket.
                if (!c.isValid(5)) {
                    throw new SQLException("the listening connection stopped answering", "08006");
                }
                lastCheck = System.nanoTime();
            }
        }
    }

    /** Payload "{@code <topic> <key>}", as the store's Database writes it. */
    void deliver(String payload) {
        int space = payload == null ? -1 : payload.indexOf(' ');
        if (space <= 0) {
            return;
        }
        String topic = payload.substring(0, space);
        String key = payload.substring(space + 1);
        for (ChangeListener l : listeners) {
            try {
                l.changed(topic, key);
            } catch (RuntimeException e) {
                LOG.warn("Postern change feed: listener {} failed on {} {}: {}", l.getClass().getName(), topic, key,
                        e.toString());
            }
        }
    }

    /** Every listener drops its cache, and caches (true) or reads through (false) from now on. */
    private void tellAll(boolean hearing) {
        for (ChangeListener l : listeners) {
            try {
                l.hearing(hearing);
            } catch (RuntimeException e) {
                LOG.warn("Postern change feed: listener {} failed to drop its cache: {}", l.getClass().getName(), e.toString());
            }
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing a connection to unblock the feed thread; its error is not news
            }
        }
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
