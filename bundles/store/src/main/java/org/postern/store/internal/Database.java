package org.postern.store.internal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.postern.core.store.ChangeListener;
import org.postern.core.store.StoreUnavailableException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jdbc.DataSourceFactory;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.core.config.ConfigCheck;
import org.postern.api.store.DataDirectory;
import org.postern.core.store.DuplicateKeyException;
import org.postern.core.store.StoreException;
import org.postern.api.store.StoreInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that opens the database: checks the data directory, connects, refuses to start
 * when another instance holds an embedded database, applies schema migrations, and offers the
 * repositories a small JDBC helper. Registered (and so the repositories too) only when all of that
 * succeeded, by hand ({@link QuietRegistration}), so that the configuration's JDBC password is no
 * service property.
 */
@Component(service = {}, immediate = true, configurationPid = StoreConfig.PID)
@Designate(ocd = StoreConfig.class)
public class Database implements StoreInfo {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    private static final String DERBY_PREFIX = "jdbc:derby:";
    /** Derby: "Another instance of Derby may have already booted the database". */
    private static final String DERBY_IN_USE = "XSDB6";
    private static final String UNIQUE_VIOLATION = "23505";

    private Driver driver;
    private String url;
    private final Properties credentials = new Properties();
    /** Credentials plus a connect timeout: connections outside the pool (start-up, migrations). */
    private final Properties unpooledProperties = new Properties();
    private final Path dataDirectory;
    private volatile int schemaVersion;
    private volatile String product;
    /** Pooled connections for a server database; null for embedded Derby (a connection per operation). */
    private ConnectionPool pool;
    private NodeLock nodeLock;
    private volatile boolean postgresql;
    private final Availability availability = new Availability();

    /** The last statement found the database unreachable, and none has reached it since. */
    boolean unreachable() {
        return availability.isDown();
    }
    private final List<ChangeListener> changeListeners = new CopyOnWriteArrayList<>();
    /** Changes announced in the transaction running on this thread, told to listeners after its commit. */
    private final ThreadLocal<List<String[]>> announced = new ThreadLocal<>();

    private volatile QuietRegistration registration;
    /** Retries the start while a database server is unreachable; null otherwise. */
    private volatile Thread waiting;
    private volatile boolean closed;
    private volatile boolean started;

    /**
     * Registers {@code Database} and {@code StoreInfo} once the schema is current: at once, or,
     * when a database server cannot be reached at start, as soon as it can (retried in the
     * background; the component stays active meanwhile, so no restart is needed).
     */
    @Activate
    public Database(@Reference(name = "dataSourceFactory") DataSourceFactory factory, StoreConfig config,
            Map<String, Object> properties, org.osgi.framework.BundleContext context) {
        this(factory, config, properties, db -> db.register(context));
    }

    /** Starts at once or throws: for tests, and what embedded Derby always does. */
    Database(DataSourceFactory factory, StoreConfig config, Map<String, Object> properties) {
        this(factory, config, properties, (java.util.function.Consumer<Database>) null);
    }

    /**
     * @param whenStarted told once the schema is current; null: no waiting for an unreachable
     *                    server, the constructor throws instead
     */
    Database(DataSourceFactory factory, StoreConfig config, Map<String, Object> properties,
            java.util.function.Consumer<Database> whenStarted) {
        String jdbcUrl = config.jdbc_url().isBlank() ? DERBY_PREFIX + "<postern.data>/db" : config.jdbc_url().trim();
        try {
            ConfigCheck.of(StoreConfig.PID, properties).isBoolean("blob.fsync")
                    .isLong("jdbc.pool.size", 4, 1000).isLong("jdbc.connect.timeout.seconds", 1, 600)
                    .throwIfInvalid();
            this.dataDirectory = DataDirectories.requireWritable(DataDirectory.resolve(), "data directory");
            this.nodeLock = NodeLock.acquire(dataDirectory);
            if (config.jdbc_url().isBlank()) {
                jdbcUrl = DERBY_PREFIX + dataDirectory.resolve("db") + ";create=true";
            }
            this.url = jdbcUrl;
            if (!config.jdbc_user().isEmpty()) {
                credentials.setProperty("user", config.jdbc_user());
                credentials.setProperty("password", config.jdbc_password());
            }
            unpooledProperties.putAll(credentials);
            this.driver = factory.createDriver(null);
            if (!url.startsWith(DERBY_PREFIX)) {
                unpooledProperties.setProperty("connectTimeout", Integer.toString(config.jdbc_connect_timeout_seconds()));
                unpooledProperties.setProperty("ApplicationName", "postern-start");
                this.pool = new ConnectionPool(driver, url, credentials, config.jdbc_pool_size(),
                        config.jdbc_connect_timeout_seconds());
            }
            try {
                open();
            } catch (SQLException e) {
                if (whenStarted == null || pool == null || !Availability.isConnectionLost(e)) {
                    throw e;
                }
                availability.down(e);
                LOG.warn("Postern store: waiting for the database at {}; the store starts as soon as it answers",
                        redact(url));
                Thread t = new Thread(() -> keepTrying(whenStarted), "postern-store-start");
                t.setDaemon(true);
                waiting = t;
                t.start();
                return;
            }
        } catch (SQLException e) {
            throw refuse(jdbcUrl, e);
        } catch (RuntimeException e) {
            releaseAll();
            LOG.error("Postern store not started: {}", e.getMessage());
            throw e;
        }
        started();
        if (whenStarted != null) {
            whenStarted.accept(this);
        }
    }

    /**
     * What starting means: the product, then the migrations. On connections of their own outside
     * the pool, closed before the next is opened (the migrations take two at most, three on a new
     * lock table), and without the pool's socket timeout: waiting for another node's migration
     * lock may take long.
     */
    private void open() throws SQLException {
        try (Connection c = unpooled()) {
            this.product = c.getMetaData().getDatabaseProductName() + " " + c.getMetaData().getDatabaseProductVersion();
            this.postgresql = c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT)
                    .contains("postgresql");
        }
        this.schemaVersion = new Migrations(this::unpooled).apply();
    }

    private Connection unpooled() throws SQLException {
        Connection c = driver.connect(url, pool == null ? credentials : unpooledProperties);
        if (c == null) {
            throw new SQLException("the configured driver does not accept URL " + redact(url));
        }
        return c;
    }

    private void started() {
        started = true;
        LOG.info("Postern store up: {} ({}), schema version {}, data in {}", redact(url), product, schemaVersion,
                dataDirectory);
    }

    private IllegalStateException refuse(String jdbcUrl, SQLException e) {
        releaseAll();
        String reason = inUse(e)
                ? "database " + redact(jdbcUrl) + " is in use by another instance (stop it first)"
                : "cannot open database " + redact(jdbcUrl) + ": " + e.getMessage();
        LOG.error("Postern store not started: {}", reason);
        return new IllegalStateException(reason, e);
    }

    /** The background start: retries every few seconds (up to 30) until the server answers. */
    private void keepTrying(java.util.function.Consumer<Database> whenStarted) {
        long delay = 1000;
        while (!closed) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return;
            }
            delay = Math.min(30_000, delay * 2);
            try {
                open();
            } catch (SQLException e) {
                if (Availability.isConnectionLost(e)) {
                    continue;
                }
                LOG.error("Postern store not started: cannot open database {}: {}", redact(url), e.getMessage());
                return;
            } catch (RuntimeException e) {
                LOG.error("Postern store not started: {}", e.getMessage());
                return;
            }
            synchronized (this) {
                if (closed) {
                    return;
                }
                availability.up(System.nanoTime());
                started();
                whenStarted.accept(this);
            }
            return;
        }
    }

    private void register(org.osgi.framework.BundleContext context) {
        try {
            registration = QuietRegistration.register(context, this,
                    new String[] {Database.class.getName(), StoreInfo.class.getName()});
        } catch (RuntimeException e) {
            LOG.error("Postern store not started: cannot register its services: {}", e.toString());
            if (waiting == null) {
                close(); // DS does not deactivate what failed to activate
                throw e;
            }
        }
    }

    /** Whether the schema is current and the store's services may be used (a test's view). */
    boolean isStarted() {
        return started;
    }

    private static boolean inUse(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException) {
                for (SQLException s = (SQLException) t; s != null; s = s.getNextException()) {
                    if (DERBY_IN_USE.equals(s.getSQLState())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Deactivate
    void close() {
        synchronized (this) {
            closed = true;
        }
        Thread t = waiting;
        if (t != null) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        QuietRegistration r = registration;
        if (r != null) {
            r.close();
            registration = null;
        }
        releaseAll();
        LOG.info("Postern store stopped");
    }

    private void releaseAll() {
        closePool();
        closeIdleEmbedded();
        shutdownEmbedded();
        releaseNodeLock();
    }

    private void closePool() {
        if (pool != null) {
            pool.close();
        }
    }

    /** Last, after the database let go of its files: then another node may take this directory. */
    private void releaseNodeLock() {
        if (nodeLock != null) {
            nodeLock.close();
            nodeLock = null;
        }
    }

    /**
     * An embedded database must be shut down, or its lock outlives the bundle and a reinstalled
     * store (or the next instance) finds it "in use". Also run when activation fails half way.
     */
    private void shutdownEmbedded() {
        if (driver == null || url == null || !url.startsWith(DERBY_PREFIX)) {
            return;
        }
        String base = url.contains(";") ? url.substring(0, url.indexOf(';')) : url;
        try {
            driver.connect(base + ";shutdown=true", credentials).close();
        } catch (SQLException expected) {
            // Derby reports a clean database shutdown as 08006, and "not booted" as XJ004.
            if (!"08006".equals(expected.getSQLState()) && !"XJ004".equals(expected.getSQLState())) {
                LOG.warn("Postern store: database shutdown said {}", expected.getMessage());
            }
        }
    }

    /**
     * A connection for one transaction. Embedded Derby: one kept from an earlier transaction when
     * there is one (opening a Derby connection cost more CPU than the statements of a delivery:
     * a quarter of the MX's CPU under load went to it), else a new one.
     */
    Connection connect() throws SQLException {
        if (pool != null) {
            return pool.connection();
        }
        Connection kept = idleEmbedded.pollFirst();
        if (kept != null) {
            idleEmbeddedCount.decrementAndGet();
            return kept;
        }
        Connection c = driver.connect(url, credentials);
        if (c == null) {
            throw new SQLException("the configured driver does not accept URL " + redact(url));
        }
        return c;
    }

    /**
     * Embedded Derby's connections between transactions: at most {@link #IDLE_EMBEDDED}, each after
     * a commit or a rollback that succeeded, so none carries an open transaction or a lock. More
     * are opened when more transactions run at once (no limit, as without the cache); the surplus
     * is closed when they end.
     */
    private final java.util.concurrent.ConcurrentLinkedDeque<Connection> idleEmbedded =
            new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final java.util.concurrent.atomic.AtomicInteger idleEmbeddedCount = new java.util.concurrent.atomic.AtomicInteger();
    static final int IDLE_EMBEDDED = 32;

    private void release(Connection c, boolean clean) {
        if (pool == null && clean && !closed) {
            try {
                if (!c.isClosed() && idleEmbeddedCount.incrementAndGet() <= IDLE_EMBEDDED) {
                    idleEmbedded.addFirst(c);
                    if (!closed) {
                        return;
                    }
                    closeIdleEmbedded(); // deactivated meanwhile: nothing may stay open
                    return;
                }
                idleEmbeddedCount.decrementAndGet();
            } catch (SQLException e) {
                // treated as broken: closed below
            }
        }
        try {
            c.close();
        } catch (SQLException e) {
            // a connection that failed to close is gone anyway
        }
    }

    private void closeIdleEmbedded() {
        for (Connection c; (c = idleEmbedded.pollFirst()) != null; ) {
            idleEmbeddedCount.decrementAndGet();
            try {
                c.close();
            } catch (SQLException e) {
                // closing for the shutdown; Derby's shutdown ends it anyway
            }
        }
    }

    /** Removes user info and password-like parameters from a JDBC URL. */
    static String redact(String jdbcUrl) {
        return jdbcUrl.replaceAll("//[^/]*@", "//")
                .replaceAll("(?i)^(jdbc:oracle:[a-z]+:)[^@]*@", "$1***@")
                .replaceAll("(?i)((?:password|pwd|user)=)[^;&]*", "$1***");
    }

    @Override
    public int schemaVersion() {
        return schemaVersion;
    }

    @Override
    public String jdbcUrl() {
        return redact(url);
    }

    @Override
    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public String databaseProduct() {
        return product;
    }

    // ---- pending blob deletions ----

    /** The BlobReaper's wake-up call while it runs; nothing otherwise. */
    private final java.util.concurrent.atomic.AtomicReference<Runnable> pendingRecorded =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * A repository committed records to {@code pending_blob_deletion}: wakes the reaper, if one
     * runs, so it unlinks them now rather than at its next period. Never blocks. (A hook here
     * rather than a service of the reaper's: a service would republish the store's configuration,
     * JDBC password included, as service properties once more.)
     */
    void pendingDeletionsRecorded() {
        Runnable r = pendingRecorded.get();
        if (r != null) {
            r.run();
        }
    }

    void onPendingDeletionsRecorded(Runnable wakeUp) {
        pendingRecorded.set(wakeUp);
    }

    void noLongerOnPendingDeletionsRecorded(Runnable wakeUp) {
        pendingRecorded.compareAndSet(wakeUp, null);
    }

    // ---- a small JDBC helper for the repositories ----

    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    <T> List<T> query(String sql, Binder binder, RowMapper<T> mapper) {
        return transaction(c -> query(c, sql, binder, mapper));
    }

    static <T> List<T> query(Connection c, String sql, Binder binder, RowMapper<T> mapper) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
                return out;
            }
        }
    }

    <T> Optional<T> queryOne(String sql, Binder binder, RowMapper<T> mapper) {
        List<T> rows = query(sql, binder, mapper);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    int update(String sql, Binder binder) {
        return transaction(c -> update(c, sql, binder));
    }

    static int update(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        }
    }

    /** Runs work in one transaction: committed when it returns, rolled back when it throws. */
    <T> T transaction(Work<T> work) {
        long began = System.nanoTime();
        List<String[]> outer = announced.get();
        List<String[]> mine = new ArrayList<>();
        announced.set(mine);
        T result = null;
        try {
            for (int attempt = 0;; attempt++) {
                try {
                    Connection c = connect();
                    boolean clean = false;
                    try {
                        c.setAutoCommit(false);
                        try {
                            result = work.run(c);
                            c.commit();
                            clean = true;
                        } catch (SQLException | RuntimeException | Error e) {
                            // an Error too: a connection must not go back (or stay open) holding locks
                            clean = rollbackQuietly(c, e);
                            throw e;
                        }
                    } finally {
                        release(c, clean);
                    }
                    break;
                } catch (SQLException e) {
                    if (attempt > 0 || !derbyCompilationRace(e)) {
                        throw e;
                    }
                    // rolled back and its connection closed: the whole transaction runs again, once
                    LOG.warn("Postern store: Derby failed compiling a statement under concurrency ({}); the transaction "
                            + "runs again", e.getMessage());
                    mine.clear();
                }
            }
        } catch (SQLException e) {
            throw translate(e);
        } finally {
            if (outer == null) {
                announced.remove();
            } else {
                announced.set(outer);
            }
        }
        availability.up(began);
        for (String[] change : mine) {
            tell(change[0], change[1]);
        }
        return result;
    }

    /**
     * Embedded Derby 10.14 sometimes fails a statement compiled by two connections at the same time
     * with a ClassCastException inside its own plan cache (SQLState XJ001, seen under the outbound
     * queue's two-node race test). Nothing was done: the transaction is rolled back, and running it
     * again compiles the statement normally.
     */
    static boolean derbyCompilationRace(SQLException e) {
        if (!"XJ001".equals(e.getSQLState())) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ClassCastException && t.getMessage() != null && t.getMessage().contains("org.apache.derby")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A rollback on a connection that is gone fails too; the first error is the one to report.
     *
     * @return whether the connection is known to be clean again
     */
    private static boolean rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
            return true;
        } catch (SQLException e) {
            cause.addSuppressed(e);
            return false;
        }
    }

    private RuntimeException translate(SQLException e) {
        if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
            return new DuplicateKeyException("already exists", e);
        }
        if (Availability.isConnectionLost(e)) {
            availability.down(e);
            return new StoreUnavailableException("database unreachable: " + e.getMessage(), e);
        }
        return new StoreException("database error: " + e.getMessage(), e);
    }

    /** An update in a transaction of its own that, when it changed a row, announces {@code topic}/{@code key}. */
    int update(String sql, Binder binder, String topic, String key) {
        return transaction(c -> {
            int n = update(c, sql, binder);
            if (n > 0) {
                changed(c, topic, key);
            }
            return n;
        });
    }

    /**
     * Announces, inside the running transaction on {@code c}, that cached data changed: once it
     * commits, this node's {@link ChangeListener}s hear it, and with PostgreSQL every other node's
     * too (NOTIFY is delivered at commit, and not at all on rollback).
     */
    void changed(Connection c, String topic, String key) throws SQLException {
        List<String[]> mine = announced.get();
        if (mine == null) {
            throw new IllegalStateException("changed() outside Database.transaction()");
        }
        mine.add(new String[] {topic, key});
        if (postgresql) {
            notifyPostgresql(c, topic, key);
        }
    }

    /** The channel every node LISTENs on (postern-store-postgresql); payload "topic key". */
    static final String CHANNEL = "postern_changes";

    /** PostgreSQL only: NOTIFY in the caller's transaction (there is no portable form). */
    private static void notifyPostgresql(Connection c, String topic, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, CHANNEL);
            ps.setString(2, topic + " " + key);
            ps.executeQuery().close();
        }
    }

    private void tell(String topic, String key) {
        for (ChangeListener l : changeListeners) {
            try {
                l.changed(topic, key);
            } catch (RuntimeException e) {
                LOG.warn("Postern store: change listener {} failed on {} {}: {}", l.getClass().getName(), topic, key,
                        e.toString());
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addChangeListener(ChangeListener l) {
        changeListeners.add(l);
    }

    void removeChangeListener(ChangeListener l) {
        changeListeners.remove(l);
    }

    /** Whether the store is PostgreSQL: tells postern:status and the tests which dialect runs. */
    boolean isPostgresql() {
        return postgresql;
    }
}
