package org.postern.store.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versioned schema migrations. Each script runs once, in its own transaction together with the
 * row that records it and its SHA-256, so a failed migration leaves the schema at the previous
 * version. Scripts are listed here, in order, rather than discovered: the order is part of the
 * schema.
 *
 * <p>Two guards, both on Derby and PostgreSQL with portable SQL only:
 * <ul>
 * <li><b>Checksums</b>: a script whose text changed after it was applied to this database is
 * refused at start, naming the script, before anything is migrated. (Rows applied before
 * checksums were kept get the shipped script's checksum the first time this runs.)</li>
 * <li><b>A lock</b>: the single row of {@code postern_schema_lock}, updated in a transaction held
 * open on a second connection while migrating. A second node starting at the same time blocks
 * on that row, then finds the schema current. The database releases the row lock when the
 * transaction or the connection ends, so a node that dies while migrating leaves no stale lock.</li>
 * </ul>
 * The runner creates and upgrades its own two tables; the numbered scripts own everything else.
 */
final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    /** Script {@code i} (0-based) takes the schema to version {@code i + 1}. Never edit a shipped one. */
    static final List<String> SCRIPTS = List.of(
            "V001__accounts_and_domains.sql",
            "V002__policy.sql",
            "V003__mail.sql",
            "V004__uid_validity_sequence.sql",
            "V005__pending_blob_deletion.sql",
            "V006__app_passwords.sql",
            "V007__imap_folders_and_quota.sql",
            "V008__message_structure.sql",
            "V009__folder_expunged_modseq.sql",
            "V010__outbound_queue.sql",
            "V011__outbound_recipient_no_cascade.sql",
            "V012__message_no_cascade.sql",
            "V013__outbound_claim_order.sql",
            "V014__dav.sql",
            "V015__dav_time_span.sql",
            "V016__dav_sync_newest.sql",
            "V017__totp.sql",
            "V018__account_setting.sql",
            "V019__service_notice.sql",
            "V020__billing.sql",
            "V021__journal_filed.sql");

    /**
     * Java run after a script, in its transaction, for what portable SQL cannot say. Part of the
     * migration like the script itself: never change a shipped one either.
     */
    interface Step {
        void run(Connection c, long nowMillis) throws SQLException;
    }

    static final Map<String, Step> AFTER = Map.of(
            "V004__uid_validity_sequence.sql", Migrations::uidValidityAboveTheClock,
            "V011__outbound_recipient_no_cascade.sql", Migrations::recipientKeyWithoutCascade,
            "V012__message_no_cascade.sql", Migrations::messageKeyWithoutCascade,
            "V014__dav.sql", Migrations::davBodyColumn);

    /** Opens a new connection to the database being migrated. */
    interface Connections {
        Connection open() throws SQLException;
    }

    /** The text of a script by name; the bundle's resources outside tests. */
    interface ScriptSource {
        String read(String script) throws SQLException;
    }

    private static final String SCHEMA_TABLE = "postern_schema";
    private static final String LOCK_TABLE = "postern_schema_lock";
    /** Lock waits that time out: Derby (derby.locks.waitTimeout), PostgreSQL (lock_timeout), SQL standard. */
    private static final Set<String> LOCK_TIMEOUT = Set.of("40XL1", "55P03", "40001");
    private static final long SLOW_LOCK_MILLIS = 1000;
    private static final String UNIQUE_VIOLATION = "23505";

    private final Connections connections;
    private final LongSupplier clock;
    private final ScriptSource source;

    Migrations(Connections connections) {
        this(connections, System::currentTimeMillis);
    }

    Migrations(Connections connections, LongSupplier clock) {
        this(connections, clock, Migrations::shipped);
    }

    Migrations(Connections connections, LongSupplier clock, ScriptSource source) {
        this.connections = connections;
        this.clock = clock;
        this.source = source;
    }

    /** @return the schema version after applying what was missing */
    int apply() throws SQLException {
        return apply(SCRIPTS.size());
    }

    /** Up to version {@code target} only: tests build yesterday's databases with it. */
    int apply(int target) throws SQLException {
        try (Connection work = connections.open()) {
            if (exists(work, SCHEMA_TABLE)) {
                refuseNewer(currentVersion(work)); // before creating anything in it
            }
            createRunnerTables(work);
            try (Connection lock = connections.open()) {
                lock(lock);
                boolean done = false;
                try {
                    int version = migrate(work, target);
                    done = true;
                    return version;
                } finally {
                    if (done) {
                        lock.commit();
                    } else {
                        lock.rollback();
                    }
                }
            }
        }
    }

    /** Runs with the lock held. */
    private int migrate(Connection c, int target) throws SQLException {
        int current = currentVersion(c);
        refuseNewer(current);
        addChecksumColumn(c);
        verifyApplied(c);
        for (int v = current + 1; v <= target; v++) {
            String script = SCRIPTS.get(v - 1);
            String text = source.read(script);
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                for (String sql : statements(text)) {
                    st.execute(sql);
                }
                Step after = AFTER.get(script);
                if (after != null) {
                    after.run(c, clock.getAsLong());
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO postern_schema "
                        + "(version, script, applied, checksum) VALUES (?, ?, ?, ?)")) {
                    ps.setInt(1, v);
                    ps.setString(2, script);
                    ps.setLong(3, clock.getAsLong());
                    ps.setString(4, checksum(text));
                    ps.executeUpdate();
                }
                c.commit();
                LOG.info("Postern store: applied schema migration {} ({})", v, script);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw new SQLException("schema migration " + script + " failed: " + e.getMessage(), e);
            } finally {
                c.setAutoCommit(true);
            }
        }
        return currentVersion(c);
    }

    private static void refuseNewer(int current) throws SQLException {
        if (current > SCRIPTS.size()) {
            throw new SQLException("database schema version " + current + " is newer than this Postern knows ("
                    + SCRIPTS.size() + "); refusing to touch it");
        }
    }

    /**
     * Every applied migration must be the script this Postern ships under that version, with the
     * same text. Rows from before checksums were kept (NULL) get the shipped script's checksum.
     */
    private void verifyApplied(Connection c) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT version, script, checksum FROM postern_schema ORDER BY version")) {
            while (rs.next()) {
                rows.add(new String[] {Integer.toString(rs.getInt(1)), rs.getString(2), rs.getString(3)});
            }
        }
        List<String> backfilled = new ArrayList<>();
        for (String[] row : rows) {
            int version = Integer.parseInt(row[0]);
            String shipped = SCRIPTS.get(version - 1);
            if (!shipped.equals(row[1])) {
                throw new SQLException("schema version " + version + " was applied from " + row[1]
                        + " but this Postern ships " + shipped + " as version " + version + "; refusing to start");
            }
            String now = checksum(source.read(shipped));
            if (row[2] == null) {
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE postern_schema SET checksum = ? WHERE version = ? AND checksum IS NULL")) {
                    ps.setString(1, now);
                    ps.setInt(2, version);
                    ps.executeUpdate();
                }
                backfilled.add(shipped);
            } else if (!row[2].equals(now)) {
                throw new SQLException("schema migration " + shipped + " was changed after it was applied to this "
                        + "database (SHA-256 then " + row[2] + ", now " + now + "); refusing to start: restore "
                        + "the shipped script and put the change in a new migration");
            }
        }
        if (!backfilled.isEmpty()) {
            LOG.info("Postern store: recorded the checksums of migrations applied before checksums were kept: {}",
                    backfilled);
        }
    }

    /** SHA-256 of the script's text with line ends as LF, so a CRLF checkout does not count as a change. */
    static String checksum(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(text.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    // ---- the runner's own tables ----

    /**
     * Creates {@code postern_schema} and {@code postern_schema_lock} when missing. Runs before
     * the lock exists, so a concurrent node may create them first: a failed CREATE is fine when
     * the table is there afterwards.
     */
    private static void createRunnerTables(Connection c) throws SQLException {
        createIfMissing(c, SCHEMA_TABLE, "CREATE TABLE postern_schema (version INT NOT NULL PRIMARY KEY, "
                + "script VARCHAR(200) NOT NULL, applied BIGINT NOT NULL, checksum VARCHAR(64))");
        createIfMissing(c, LOCK_TABLE, "CREATE TABLE postern_schema_lock (id INT NOT NULL PRIMARY KEY, "
                + "locked_by VARCHAR(200), locked_at BIGINT NOT NULL)");
    }

    private static void createIfMissing(Connection c, String table, String ddl) throws SQLException {
        if (exists(c, table)) {
            return;
        }
        try (Statement st = c.createStatement()) {
            st.execute(ddl);
        } catch (SQLException e) {
            if (!exists(c, table)) {
                throw e;
            }
        }
    }

    /**
     * Inserts the lock table's one row, in a transaction of its own. Two nodes may both try on a
     * new table: the loser's duplicate key is fine. Never reads the row: on Derby a read waits
     * for a node that holds the lock.
     */
    private void insertLockRow() throws SQLException {
        try (Connection c = connections.open(); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO postern_schema_lock (id, locked_by, locked_at) VALUES (1, NULL, 0)");
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
        }
    }

    /** Databases before checksums: the column is added under the lock, once. */
    private static void addChecksumColumn(Connection c) throws SQLException {
        if (!columnExists(c, SCHEMA_TABLE, "checksum")) {
            try (Statement st = c.createStatement()) {
                st.execute("ALTER TABLE postern_schema ADD COLUMN checksum VARCHAR(64)");
            }
        }
    }

    /**
     * Derby folds unquoted names to upper case, PostgreSQL to lower case. Only the connection's
     * current schema counts: a PostgreSQL database may hold another schema with a table of the
     * same name (another instance's, with {@code currentSchema=} in its URL).
     */
    private static boolean exists(Connection c, String table) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        String schema = currentSchema(c);
        for (String name : new String[] {table.toUpperCase(java.util.Locale.ROOT), table}) {
            try (ResultSet rs = md.getTables(null, schema, name, null)) {
                if (rs.next()) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String currentSchema(Connection c) {
        try {
            return c.getSchema();
        } catch (SQLException | AbstractMethodError e) {
            return null; // a driver that cannot say: any schema
        }
    }

    private static boolean columnExists(Connection c, String table, String column) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        String schema = currentSchema(c);
        for (boolean upper : new boolean[] {true, false}) {
            String t = upper ? table.toUpperCase(java.util.Locale.ROOT) : table;
            String col = upper ? column.toUpperCase(java.util.Locale.ROOT) : column;
            try (ResultSet rs = md.getColumns(null, schema, t, col)) {
                if (rs.next()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Takes the migration lock: an UPDATE of the lock row in a transaction left open on
     * {@code lock} until the caller commits or rolls back. Blocks while another node holds it.
     * A new lock table gets its row here (the UPDATE found none).
     */
    private void lock(Connection lock) throws SQLException {
        lock.setAutoCommit(false);
        long start = System.nanoTime();
        try {
            if (!updateLockRow(lock)) {
                lock.rollback();
                insertLockRow();
                if (!updateLockRow(lock)) {
                    throw new SQLException("cannot create the row of postern_schema_lock");
                }
            }
        } catch (SQLException e) {
            lock.rollback();
            if (LOCK_TIMEOUT.contains(e.getSQLState())) {
                throw new SQLException("timed out waiting for the schema migration lock (postern_schema_lock): "
                        + "another Postern instance is migrating this database, or is stuck doing so", e);
            }
            throw e;
        }
        long waited = (System.nanoTime() - start) / 1_000_000;
        if (waited >= SLOW_LOCK_MILLIS) {
            LOG.info("Postern store: waited {} ms for the schema migration lock (another instance was migrating)",
                    waited);
        }
    }

    private boolean updateLockRow(Connection lock) throws SQLException {
        try (PreparedStatement ps = lock.prepareStatement(
                "UPDATE postern_schema_lock SET locked_by = ?, locked_at = ? WHERE id = 1")) {
            String me = "pid " + ProcessHandle.current().pid() + ", thread " + Thread.currentThread().getName();
            ps.setString(1, me.length() > 200 ? me.substring(0, 200) : me);
            ps.setLong(2, clock.getAsLong());
            return ps.executeUpdate() == 1;
        }
    }

    // ---- steps ----

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

    /**
     * V011: replaces V010's cascading foreign key from {@code outbound_recipient} to
     * {@code outbound_message}, which the database named itself, by a named one without the
     * cascade. The catalogue is read through JDBC metadata (the same call on Derby and
     * PostgreSQL).
     */
    static void recipientKeyWithoutCascade(Connection c, long nowMillis) throws SQLException {
        replaceCascadingKey(c, "outbound_recipient", "outbound_message", "message_id", "outbound_recipient_message");
    }

    /** V012: the same for {@code message.mailbox_id}, from V003. */
    static void messageKeyWithoutCascade(Connection c, long nowMillis) throws SQLException {
        replaceCascadingKey(c, "message", "mailbox", "mailbox_id", "message_mailbox");
    }

    /**
     * Replaces the one foreign key from {@code child} to {@code parent}, which the database
     * named itself, by a named one without a delete rule. The catalogue is read through JDBC
     * metadata (the same call on Derby and PostgreSQL).
     */
    private static void replaceCascadingKey(Connection c, String child, String parent, String column, String name)
            throws SQLException {
        java.util.List<String> doomed = new java.util.ArrayList<>();
        java.sql.DatabaseMetaData meta = c.getMetaData();
        for (String table : new String[] {child.toUpperCase(java.util.Locale.ROOT), child}) {
            try (ResultSet rs = meta.getImportedKeys(null, null, table)) {
                while (rs.next()) {
                    String fk = rs.getString("FK_NAME");
                    if (parent.equalsIgnoreCase(rs.getString("PKTABLE_NAME")) && !doomed.contains(fk)) {
                        doomed.add(fk);
                    }
                }
            }
        }
        if (doomed.size() != 1) {
            throw new SQLException("expected " + child + "'s one foreign key to " + parent + ", found " + doomed);
        }
        try (Statement st = c.createStatement()) {
            st.execute("ALTER TABLE " + child + " DROP CONSTRAINT \"" + doomed.get(0).replace("\"", "\"\"") + "\"");
            st.execute("ALTER TABLE " + child + " ADD CONSTRAINT " + name + " FOREIGN KEY (" + column + ") REFERENCES "
                    + parent + " (id)");
        }
    }

    private static int currentVersion(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT MAX(version) FROM postern_schema")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The script as this bundle ships it. */
    static String shipped(String script) throws SQLException {
        try (InputStream in = Migrations.class.getResourceAsStream("migrations/" + script)) {
            if (in == null) {
                throw new SQLException("migration script missing from the bundle: " + script);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SQLException("cannot read migration " + script, e);
        }
    }

    /** V014: the body column of dav_resource, in each database's binary type. */
    private static void davBodyColumn(Connection c, long nowMillis) throws SQLException {
        String product = c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT);
        String type = product.contains("postgres") ? "BYTEA" : "BLOB";
        try (Statement st = c.createStatement()) {
            st.execute("ALTER TABLE dav_resource ADD COLUMN body " + type);
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
