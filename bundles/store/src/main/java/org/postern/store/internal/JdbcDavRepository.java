package org.postern.store.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.postern.api.mail.AccountGoneException;
import org.postern.core.store.DavConflictException;
import org.postern.core.store.DavLimitException;
import org.postern.core.store.DavPreconditionException;
import org.postern.core.store.DavLock;
import org.postern.core.store.DavProperty;
import org.postern.core.store.DavRepository;
import org.postern.core.store.DavResourceRecord;
import org.postern.core.store.DavUidConflictException;
import org.postern.core.store.DavRepository.Changes;
import org.postern.core.store.DavRepository.Member;
import org.postern.core.store.DuplicateKeyException;

/**
 * DAV resources on the V014 tables. Every statement names the account, so an id from a client
 * that belongs to someone else matches no row. Trees are walked in Java (a collection's members
 * by the parent index), which keeps the SQL portable; Depth: infinity walks are bounded by the
 * DAV bundle's refusal of infinite PROPFIND.
 */
@Component(service = DavRepository.class)
public class JdbcDavRepository implements DavRepository {
    private static final String COLUMNS =
            "id, account_id, parent_id, name, collection, content_type, length, etag, created, modified, kind, components, uid";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database db;

    @Activate
    public JdbcDavRepository(@Reference Database db) {
        this.db = db;
    }

    static String newId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** A strong validator: the body's digest (equal bodies are the same representation). */
    static String etag(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Every write transaction starts here: the account row serializes the account's DAV writes
     * (so the checks below see a tree no other writer is changing) and orders them with a
     * removal, which updates that row first: a write either commits before the removal deletes
     * everything, or finds the account removed.
     */
    private static long writeLock(Connection c, String accountId) throws SQLException {
        if (Database.update(c, "UPDATE account SET status = status WHERE id = ? AND status <> 'REMOVED'",
                ps -> ps.setString(1, accountId)) != 1) {
            throw new AccountGoneException(accountId);
        }
        return nextSeq(c, accountId);
    }

    /** The account's change counter, one step on: every row this write touches is marked with it. */
    private static long nextSeq(Connection c, String accountId) throws SQLException {
        if (Database.update(c, "UPDATE dav_principal SET sync_seq = sync_seq + 1 WHERE account_id = ?",
                ps -> ps.setString(1, accountId)) != 1) {
            Database.update(c, "INSERT INTO dav_principal (account_id, principal_id, created, sync_seq) VALUES (?, ?, ?, 1)", ps -> {
                ps.setString(1, accountId);
                ps.setString(2, newId());
                ps.setLong(3, System.currentTimeMillis());
            });
        }
        return Database.query(c, "SELECT sync_seq FROM dav_principal WHERE account_id = ?", ps -> ps.setString(1, accountId),
                rs -> rs.getLong(1)).get(0);
    }

    /** The name left the collection at {@code seq}. */
    private static void tombstone(Connection c, String accountId, String parentId, String name, long seq) throws SQLException {
        clearTombstone(c, parentId, name);
        Database.update(c, "INSERT INTO dav_tombstone (account_id, parent_id, name, sync_seq) VALUES (?, ?, ?, ?)", ps -> {
            ps.setString(1, accountId);
            ps.setString(2, parentId);
            ps.setString(3, name);
            ps.setLong(4, seq);
        });
    }

    /** The name is back: its row carries the change now. */
    private static void clearTombstone(Connection c, String parentId, String name) throws SQLException {
        Database.update(c, "DELETE FROM dav_tombstone WHERE parent_id = ? AND name = ?", ps -> {
            ps.setString(1, parentId);
            ps.setString(2, name);
        });
    }

    /** The parent a write goes into must still be one of the account's collections. */
    private static void requireCollection(Connection c, String accountId, String parentId) throws SQLException {
        if (parentId.equals(NO_PARENT)) {
            return;
        }
        Optional<DavResourceRecord> p = byId(c, accountId, parentId);
        if (p.isEmpty() || !p.get().collection()) {
            throw new DavConflictException("the parent collection is gone");
        }
    }

    /** Refuses a destination parent that is {@code id} or below it: a collection moved or copied into itself. */
    private static void requireOutside(Connection c, String accountId, String id, String parentId) throws SQLException {
        String p = parentId;
        for (int guard = 0; !p.equals(NO_PARENT); guard++) {
            if (p.equals(id) || guard > 10_000) {
                throw new DavConflictException("a collection cannot go inside itself");
            }
            Optional<DavResourceRecord> r = byId(c, accountId, p);
            if (r.isEmpty()) {
                throw new DavConflictException("the parent collection is gone");
            }
            p = r.get().parentId();
        }
    }

    @Override
    public String principalId(String accountId) {
        Optional<String> known = db.queryOne("SELECT principal_id FROM dav_principal WHERE account_id = ?",
                ps -> ps.setString(1, accountId), rs -> rs.getString(1));
        if (known.isPresent()) {
            return known.get();
        }
        try {
            return db.transaction(c -> {
                // Row-locks the account like every insert that belongs to it: a concurrent removal
                // either deletes this row too or has committed and the insert is refused.
                if (Database.update(c, "UPDATE account SET status = status WHERE id = ? AND status <> 'REMOVED'",
                        ps -> ps.setString(1, accountId)) != 1) {
                    throw new AccountGoneException(accountId);
                }
                String id = newId();
                Database.update(c, "INSERT INTO dav_principal (account_id, principal_id, created, sync_seq) VALUES (?, ?, ?, 0)", ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, id);
                    ps.setLong(3, System.currentTimeMillis());
                });
                return id;
            });
        } catch (DuplicateKeyException raced) {
            return db.queryOne("SELECT principal_id FROM dav_principal WHERE account_id = ?",
                    ps -> ps.setString(1, accountId), rs -> rs.getString(1)).orElseThrow(() -> raced);
        }
    }

    @Override
    public DavResourceRecord home(String accountId, String home) {
        Optional<DavResourceRecord> known = child(accountId, NO_PARENT, home);
        if (known.isPresent()) {
            return known.get();
        }
        principalId(accountId); // refuses a removed account before anything is created for it
        try {
            return createCollection(accountId, NO_PARENT, home);
        } catch (DuplicateKeyException raced) {
            return child(accountId, NO_PARENT, home).orElseThrow(() -> raced);
        }
    }

    @Override
    public Optional<DavResourceRecord> child(String accountId, String parentId, String name) {
        return db.query("SELECT " + COLUMNS + " FROM dav_resource WHERE account_id = ? AND parent_id = ? AND name = ?",
                ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, parentId);
                    ps.setString(3, name);
                }, JdbcDavRepository::map).stream().filter(r -> r.name().equals(name)).findFirst();
    }

    @Override
    public Walk walk(String accountId, String fromId, List<String> names, boolean body) {
        // One transaction and one prepared probe of the unique name index per segment: a GET used
        // to pay a transaction per segment (home, calendar, object) and one more for the body.
        return db.transaction(c -> {
            List<DavResourceRecord> out = new ArrayList<>(names.size());
            byte[] leafBody = null;
            String sql = "SELECT " + COLUMNS + "%s FROM dav_resource WHERE account_id = ? AND parent_id = ? AND name = ?";
            try (java.sql.PreparedStatement ps = c.prepareStatement(String.format(sql, ""));
                    java.sql.PreparedStatement last = body ? c.prepareStatement(String.format(sql, ", body")) : null) {
                String parent = fromId;
                for (int i = 0; i < names.size(); i++) {
                    String name = names.get(i);
                    boolean leaf = body && i == names.size() - 1;
                    java.sql.PreparedStatement probe = leaf ? last : ps;
                    probe.setString(1, accountId);
                    probe.setString(2, parent);
                    probe.setString(3, name);
                    DavResourceRecord found = null;
                    try (ResultSet rs = probe.executeQuery()) {
                        while (rs.next()) {
                            DavResourceRecord r = map(rs);
                            if (r.name().equals(name)) { // CHAR padding never makes two names one
                                found = r;
                                if (leaf && !r.collection()) {
                                    byte[] b = rs.getBytes(14);
                                    leafBody = b == null ? new byte[0] : b;
                                }
                            }
                        }
                    }
                    if (found == null) {
                        break;
                    }
                    out.add(found);
                    if (!found.collection()) {
                        break;
                    }
                    parent = found.id();
                }
            }
            return new Walk(out, out.size() == names.size() ? leafBody : null);
        });
    }

    @Override
    public List<DavResourceRecord> children(String accountId, String parentId) {
        return db.transaction(c -> children(c, accountId, parentId));
    }

    private static List<DavResourceRecord> children(Connection c, String accountId, String parentId) throws SQLException {
        return Database.query(c, "SELECT " + COLUMNS + " FROM dav_resource WHERE account_id = ? AND parent_id = ? ORDER BY name",
                ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, parentId);
                }, JdbcDavRepository::map);
    }

    @Override
    public Optional<byte[]> body(String accountId, String id) {
        return db.queryOne("SELECT body FROM dav_resource WHERE account_id = ? AND id = ? AND collection = 0", ps -> {
            ps.setString(1, accountId);
            ps.setString(2, id);
        }, rs -> {
            byte[] b = rs.getBytes(1);
            return b == null ? new byte[0] : b;
        });
    }

    @Override
    public List<Map.Entry<DavResourceRecord, byte[]>> membersWithBodies(String accountId, String parentId, List<String> names) {
        return db.transaction(c -> {
            List<Map.Entry<DavResourceRecord, byte[]>> out = new ArrayList<>();
            List<String> distinct = names.stream().distinct().toList();
            if (!db.isPostgresql()) {
                // Derby evaluates a 100-parameter IN list about 3.5 times slower than 100 probes of
                // the unique (account_id, parent_id, name) index through one prepared statement.
                try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + ", body FROM dav_resource "
                        + "WHERE account_id = ? AND parent_id = ? AND name = ?")) {
                    ps.setString(1, accountId);
                    ps.setString(2, parentId);
                    for (String name : distinct) {
                        ps.setString(3, name);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                DavResourceRecord r = map(rs);
                                byte[] b = rs.getBytes(14);
                                if (r.name().equals(name)) { // CHAR padding never makes two names one
                                    out.add(Map.entry(r, b == null ? new byte[0] : b));
                                }
                            }
                        }
                    }
                }
                return out;
            }
            for (int from = 0; from < distinct.size(); from += 100) {
                List<String> chunk = distinct.subList(from, Math.min(distinct.size(), from + 100));
                String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
                out.addAll(Database.query(c, "SELECT " + COLUMNS + ", body FROM dav_resource WHERE account_id = ? AND parent_id = ? "
                        + "AND name IN (" + marks + ")", ps -> {
                            ps.setString(1, accountId);
                            ps.setString(2, parentId);
                            for (int i = 0; i < chunk.size(); i++) {
                                ps.setString(3 + i, chunk.get(i));
                            }
                        }, rs -> {
                            byte[] b = rs.getBytes(14);
                            return Map.entry(map(rs), b == null ? new byte[0] : b);
                        }).stream().filter(e -> chunk.contains(e.getKey().name())).toList());
            }
            return out;
        });
    }

    @Override
    public DavResourceRecord createCollection(String accountId, String parentId, String name, String kind, String components) {
        return db.transaction(c -> {
            long seq = writeLock(c, accountId);
            requireCollection(c, accountId, parentId);
            clearTombstone(c, parentId, name);
            return insert(c, accountId, parentId, name, true, null, null, newId(), System.currentTimeMillis(), seq, kind,
                    components, null);
        });
    }

    private static DavResourceRecord insert(Connection c, String accountId, String parentId, String name, boolean collection,
            String contentType, byte[] body, String id, long now, long seq, String kind, String components, String uid)
            throws SQLException {
        return insert(c, accountId, parentId, name, collection, contentType, body, id, now, seq, kind, components, uid,
                TimeSpan.UNKNOWN);
    }

    private static DavResourceRecord insert(Connection c, String accountId, String parentId, String name, boolean collection,
            String contentType, byte[] body, String id, long now, long seq, String kind, String components, String uid,
            TimeSpan span) throws SQLException {
        String etag = body == null ? null : etag(body);
        long length = body == null ? 0 : body.length;
        Database.update(c, "INSERT INTO dav_resource (" + COLUMNS + ", body, sync_seq, span_start, span_end) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ps -> {
            ps.setString(1, id);
            ps.setString(2, accountId);
            ps.setString(3, parentId);
            ps.setString(4, name);
            ps.setShort(5, (short) (collection ? 1 : 0));
            ps.setString(6, contentType);
            ps.setLong(7, length);
            ps.setString(8, etag);
            ps.setLong(9, now);
            ps.setLong(10, now);
            ps.setString(11, kind);
            ps.setString(12, components);
            ps.setString(13, uid);
            ps.setBytes(14, body);
            ps.setLong(15, seq);
            setSpan(ps, 16, span);
        });
        return new DavResourceRecord(id, accountId, parentId, name, collection, contentType, length, etag,
                Instant.ofEpochMilli(now), Instant.ofEpochMilli(now), kind, components, uid);
    }

    @Override
    public Written put(String accountId, String parentId, String name, String contentType, byte[] body, String uid,
            TimeSpan span, java.util.function.Predicate<String> expected) {
        TimeSpan known = span == null ? TimeSpan.UNKNOWN : span;
        for (int attempt = 0;; attempt++) {
            try {
                return db.transaction(c -> {
                    long seq = writeLock(c, accountId);
                    requireCollection(c, accountId, parentId);
                    Optional<DavResourceRecord> existing = one(c, accountId, parentId, name);
                    // checked under the account's write lock: no other write can come between
                    if (!expected.test(existing.map(r -> r.collection() ? null : r.etag()).orElse(null))) {
                        throw new DavPreconditionException();
                    }
                    if (uid != null) {
                        for (String other : Database.query(c, "SELECT name FROM dav_resource WHERE parent_id = ? AND uid = ? "
                                + "AND account_id = ?", ps -> {
                                    ps.setString(1, parentId);
                                    ps.setString(2, uid);
                                    ps.setString(3, accountId);
                                }, rs -> rs.getString(1))) {
                            if (!other.equals(name)) {
                                throw new DavUidConflictException(other);
                            }
                        }
                    }
                    long now = System.currentTimeMillis();
                    if (existing.isEmpty()) {
                        clearTombstone(c, parentId, name);
                        return new Written(insert(c, accountId, parentId, name, false, contentType, body, newId(), now, seq, null,
                                null, uid, known), true);
                    }
                    DavResourceRecord old = existing.get();
                    if (old.collection()) {
                        throw new DuplicateKeyException("a collection has that name", null);
                    }
                    String etag = etag(body);
                    Database.update(c, "UPDATE dav_resource SET content_type = ?, length = ?, etag = ?, modified = ?, body = ?, "
                            + "sync_seq = ?, uid = ?, span_start = ?, span_end = ? WHERE account_id = ? AND id = ?", ps -> {
                                ps.setString(1, contentType);
                                ps.setLong(2, body.length);
                                ps.setString(3, etag);
                                ps.setLong(4, now);
                                ps.setBytes(5, body);
                                ps.setLong(6, seq);
                                ps.setString(7, uid);
                                setSpan(ps, 8, known);
                                ps.setString(10, accountId);
                                ps.setString(11, old.id());
                            });
                    return new Written(new DavResourceRecord(old.id(), accountId, parentId, name, false, contentType,
                            body.length, etag, old.created(), Instant.ofEpochMilli(now), null, null, uid), false);
                });
            } catch (DuplicateKeyException e) {
                // Two PUTs creating the same name at once: the loser replaces the winner's body.
                if (attempt > 0 || e.getCause() == null) {
                    throw e;
                }
            }
        }
    }

    /**
     * A calendar object or vCard arriving in {@code parentId} by MOVE or COPY keeps the rule a PUT
     * keeps: no other member there has its UID ({@code replace}, about to go, does not count).
     */
    private static void requireUidFree(Connection c, String accountId, String parentId, DavResourceRecord source,
            String replace) throws SQLException {
        if (source.uid() == null || source.collection()) {
            return;
        }
        for (String[] other : Database.query(c, "SELECT id, name FROM dav_resource WHERE parent_id = ? AND uid = ? "
                + "AND account_id = ?", ps -> {
                    ps.setString(1, parentId);
                    ps.setString(2, source.uid());
                    ps.setString(3, accountId);
                }, rs -> new String[] {rs.getString(1).trim(), rs.getString(2)})) {
            if (!other[0].equals(replace)) {
                throw new DavUidConflictException(other[1]);
            }
        }
    }

    private static void setSpan(java.sql.PreparedStatement ps, int index, TimeSpan span) throws SQLException {
        if (span.start() == null) {
            ps.setNull(index, java.sql.Types.BIGINT);
        } else {
            ps.setLong(index, span.start());
        }
        if (span.end() == null) {
            ps.setNull(index + 1, java.sql.Types.BIGINT);
        } else {
            ps.setLong(index + 1, span.end());
        }
    }

    @Override
    public List<String> memberNamesOverlapping(String accountId, String parentId, long from, long to) {
        return db.query("SELECT name FROM dav_resource WHERE account_id = ? AND parent_id = ? AND collection = 0 "
                + "AND (span_start IS NULL OR span_start < ?) AND (span_end IS NULL OR span_end > ?) ORDER BY name", ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, parentId);
                    ps.setLong(3, to);
                    ps.setLong(4, from);
                }, rs -> rs.getString(1));
    }

    private static Optional<DavResourceRecord> one(Connection c, String accountId, String parentId, String name)
            throws SQLException {
        List<DavResourceRecord> rows = Database.query(c,
                "SELECT " + COLUMNS + " FROM dav_resource WHERE account_id = ? AND parent_id = ? AND name = ?", ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, parentId);
                    ps.setString(3, name);
                }, JdbcDavRepository::map);
        // Derby compares VARCHARs padded with spaces ('a' = 'a '): only the exact name is a match.
        return rows.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    private static Optional<DavResourceRecord> byId(Connection c, String accountId, String id) throws SQLException {
        List<DavResourceRecord> rows = Database.query(c, "SELECT " + COLUMNS + " FROM dav_resource WHERE account_id = ? AND id = ?",
                ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, id);
                }, JdbcDavRepository::map);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    @Override
    public boolean delete(String accountId, String id, java.util.function.Predicate<String> expected) {
        return db.transaction(c -> {
            long seq = writeLock(c, accountId);
            Optional<DavResourceRecord> victim = byId(c, accountId, id);
            if (victim.isEmpty()) {
                return false;
            }
            if (!expected.test(victim.get().collection() ? null : victim.get().etag())) {
                throw new DavPreconditionException();
            }
            tombstone(c, accountId, victim.get().parentId(), victim.get().name(), seq);
            return deleteTree(c, accountId, id);
        });
    }

    /** Deletes a resource and its subtree, deepest first; properties go with their rows (cascade). */
    private static boolean deleteTree(Connection c, String accountId, String id) throws SQLException {
        List<String> order = new ArrayList<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.add(id);
        while (!todo.isEmpty()) {
            String next = todo.poll();
            order.add(next);
            for (DavResourceRecord child : children(c, accountId, next)) {
                todo.add(child.id());
            }
        }
        int deleted = 0;
        for (int i = order.size() - 1; i >= 0; i--) {
            String victim = order.get(i);
            Database.update(c, "DELETE FROM dav_tombstone WHERE parent_id = ?", ps -> ps.setString(1, victim));
            deleted = Database.update(c, "DELETE FROM dav_resource WHERE account_id = ? AND id = ?", ps -> {
                ps.setString(1, accountId);
                ps.setString(2, victim);
            });
        }
        return deleted == 1;
    }

    @Override
    public DavResourceRecord move(String accountId, String id, String parentId, String name, String replace) {
        return db.transaction(c -> {
            long seq = writeLock(c, accountId);
            DavResourceRecord source = byId(c, accountId, id).orElseThrow(() -> new DavConflictException("the source is gone"));
            requireCollection(c, accountId, parentId);
            requireOutside(c, accountId, id, parentId);
            if (!parentId.equals(source.parentId())) {
                requireUidFree(c, accountId, parentId, source, replace);
            }
            if (replace != null) {
                requireOutside(c, accountId, replace, parentId); // never delete an ancestor of the destination
                requireOutside(c, accountId, replace, source.parentId()); // nor of the source
                deleteTree(c, accountId, replace);
            }
            long now = System.currentTimeMillis();
            tombstone(c, accountId, source.parentId(), source.name(), seq);
            clearTombstone(c, parentId, name);
            Database.update(c, "UPDATE dav_resource SET parent_id = ?, name = ?, modified = ?, sync_seq = ? "
                    + "WHERE account_id = ? AND id = ?", ps -> {
                        ps.setString(1, parentId);
                        ps.setString(2, name);
                        ps.setLong(3, now);
                        ps.setLong(4, seq);
                        ps.setString(5, accountId);
                        ps.setString(6, id);
                    });
            return new DavResourceRecord(id, accountId, parentId, name, source.collection(), source.contentType(),
                    source.length(), source.etag(), source.created(), Instant.ofEpochMilli(now), source.kind(),
                    source.components(), source.uid());
        });
    }

    @Override
    public DavResourceRecord copy(String accountId, String id, String parentId, String name, boolean deep, String replace) {
        return db.transaction(c -> {
            long seq = writeLock(c, accountId);
            DavResourceRecord source = byId(c, accountId, id).orElseThrow(() -> new DavConflictException("the source is gone"));
            requireCollection(c, accountId, parentId);
            if (deep) {
                requireOutside(c, accountId, id, parentId);
            }
            requireUidFree(c, accountId, parentId, source, replace);
            if (replace != null) {
                requireOutside(c, accountId, replace, parentId);
                requireOutside(c, accountId, replace, source.parentId());
                deleteTree(c, accountId, replace);
            }
            clearTombstone(c, parentId, name);
            return copyTree(c, accountId, source, parentId, name, deep, System.currentTimeMillis(), seq);
        });
    }

    private static DavResourceRecord copyTree(Connection c, String accountId, DavResourceRecord source, String parentId,
            String name, boolean deep, long now, long seq) throws SQLException {
        byte[] body = null;
        if (!source.collection()) {
            List<byte[]> b = Database.query(c, "SELECT body FROM dav_resource WHERE account_id = ? AND id = ?", ps -> {
                ps.setString(1, accountId);
                ps.setString(2, source.id());
            }, rs -> rs.getBytes(1));
            body = b.isEmpty() || b.get(0) == null ? new byte[0] : b.get(0);
        }
        List<DavResourceRecord> members = deep && source.collection() ? children(c, accountId, source.id()) : List.of();
        DavResourceRecord copy = insert(c, accountId, parentId, name, source.collection(), source.contentType(), body, newId(), now, seq,
                source.kind(), source.components(), source.uid());
        String target = copy.id();
        Database.update(c, "INSERT INTO dav_property (resource_id, namespace, name, element) "
                + "SELECT ?, namespace, name, element FROM dav_property WHERE resource_id = ?", ps -> {
                    ps.setString(1, target);
                    ps.setString(2, source.id());
                });
        if (deep && source.collection()) {
            for (DavResourceRecord child : members) {
                copyTree(c, accountId, child, target, child.name(), true, now, seq);
            }
        }
        return copy;
    }

    @Override
    public List<DavProperty> properties(String accountId, String id) {
        return db.query("SELECT p.namespace, p.name, p.element FROM dav_property p JOIN dav_resource r ON r.id = p.resource_id "
                + "WHERE r.account_id = ? AND r.id = ? ORDER BY p.namespace, p.name", ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, id);
                }, rs -> new DavProperty(rs.getString(1), rs.getString(2), rs.getString(3)));
    }

    @Override
    public boolean patchProperties(String accountId, String id, List<Change> changes) {
        return db.transaction(c -> {
            long seq = writeLock(c, accountId);
            if (Database.update(c, "UPDATE dav_resource SET sync_seq = ? WHERE account_id = ? AND id = ?", ps -> {
                ps.setLong(1, seq);
                ps.setString(2, accountId);
                ps.setString(3, id);
            }) != 1) {
                return false;
            }
            for (Change ch : changes) {
                Database.update(c, "DELETE FROM dav_property WHERE resource_id = ? AND namespace = ? AND name = ?", ps -> {
                    ps.setString(1, id);
                    ps.setString(2, ch.namespace());
                    ps.setString(3, ch.name());
                });
                if (ch.xml() != null) {
                    Database.update(c, "INSERT INTO dav_property (resource_id, namespace, name, element) VALUES (?, ?, ?, ?)", ps -> {
                        ps.setString(1, id);
                        ps.setString(2, ch.namespace());
                        ps.setString(3, ch.name());
                        ps.setString(4, ch.xml());
                    });
                }
            }
            int kept = Database.query(c, "SELECT COUNT(*) FROM dav_property WHERE resource_id = ?", ps -> ps.setString(1, id),
                    rs -> rs.getInt(1)).get(0);
            if (kept > MAX_PROPERTIES) {
                throw new DavLimitException("a resource keeps at most " + MAX_PROPERTIES + " dead properties");
            }
            return true;
        });
    }

    // ---- sync (RFC 6578) ----

    @Override
    public long syncToken(String accountId, String collectionId) {
        return db.transaction(c -> syncTokenIn(c, accountId, collectionId));
    }

    @Override
    public Changes changes(String accountId, String collectionId, long since, int limit) {
        return db.transaction(c -> {
            // The token first, then the changes up to it: a write committing between the two reads
            // is then in neither, and the next sync finds it. (Read the other way round, its number
            // would be in the token and its row not in the answer: lost for good.)
            long current = syncTokenIn(c, accountId, collectionId);
            List<Member> all = changed(c, accountId, collectionId, since, current, limit + 1);
            if (all.size() <= limit) {
                return new Changes(all, current, false);
            }
            // Cut after `limit` changes, but never inside one write's changes (one seq): the next
            // call continues after the last seq returned, so a split group would be lost.
            long lastSeq = all.get(limit - 1).seq();
            int cut = limit;
            if (all.get(limit).seq() == lastSeq) {
                cut = limit - 1;
                while (cut > 0 && all.get(cut - 1).seq() == lastSeq) {
                    cut--;
                }
            }
            if (cut == 0) {
                // the first write alone is more than the limit: it comes whole
                all = changed(c, accountId, collectionId, since, lastSeq, Integer.MAX_VALUE);
                cut = all.size();
            }
            List<Member> page = List.copyOf(all.subList(0, cut));
            return new Changes(page, page.get(page.size() - 1).seq(), true);
        });
    }

    /** Members and tombstones of the collection with since < seq <= upTo, by seq: at most {@code max} of each. */
    private static List<Member> changed(Connection c, String accountId, String collectionId, long since, long upTo, int max)
            throws SQLException {
        List<Member> all = new ArrayList<>();
        // Derby would pick the unique (account_id, parent_id, name) index, two equalities, and read
        // every member; the hint (a comment to PostgreSQL) makes it range-scan the changes alone.
        try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + ", sync_seq FROM dav_resource "
                + "--DERBY-PROPERTIES index=DAV_RESOURCE_PARENT\n"
                + "WHERE parent_id = ? AND account_id = ? AND sync_seq > ? AND sync_seq <= ? ORDER BY sync_seq")) {
            ps.setString(1, collectionId);
            ps.setString(2, accountId);
            ps.setLong(3, since);
            ps.setLong(4, upTo);
            ps.setMaxRows(max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    DavResourceRecord r = map(rs);
                    all.add(new Member(r.name(), r, rs.getLong(14)));
                }
            }
        }
        if (since > 0) { // an initial sync lists what is there, not what went
            try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT name, sync_seq FROM dav_tombstone "
                    + "--DERBY-PROPERTIES index=DAV_TOMBSTONE_SYNC\n"
                    + "WHERE parent_id = ? AND account_id = ? AND sync_seq > ? AND sync_seq <= ? ORDER BY sync_seq")) {
                ps.setString(1, collectionId);
                ps.setString(2, accountId);
                ps.setLong(3, since);
                ps.setLong(4, upTo);
                ps.setMaxRows(max);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        all.add(new Member(rs.getString(1), null, rs.getLong(2)));
                    }
                }
            }
        }
        // By seq alone in SQL: the index gives that order and the scan stops at `max` rows (with the
        // name too, Derby sorted every change since the token, to disk, for each page of a large
        // first sync). Within one seq the order is the name's, here; pages never split a seq.
        all.sort(java.util.Comparator.comparingLong(Member::seq).thenComparing(Member::name));
        return all;
    }

    private static long syncTokenIn(Connection c, String accountId, String collectionId) throws SQLException {
        Optional<Long> own = Database.query(c, "SELECT sync_seq FROM dav_resource WHERE account_id = ? AND id = ?", ps -> {
            ps.setString(1, accountId);
            ps.setString(2, collectionId);
        }, rs -> rs.getLong(1)).stream().findFirst();
        if (own.isEmpty()) {
            return 0; // not this account's collection: its members are not either
        }
        // the newest member and the newest tombstone, each the first entry of a descending index
        // (every member of a collection is its account's: the collection was checked above)
        long members = newest(c, "SELECT sync_seq FROM dav_resource --DERBY-PROPERTIES index=DAV_RESOURCE_NEWEST\n"
                + "WHERE parent_id = ? ORDER BY sync_seq DESC FETCH FIRST 1 ROWS ONLY", collectionId);
        long gone = newest(c, "SELECT sync_seq FROM dav_tombstone --DERBY-PROPERTIES index=DAV_TOMBSTONE_NEWEST\n"
                + "WHERE parent_id = ? ORDER BY sync_seq DESC FETCH FIRST 1 ROWS ONLY", collectionId);
        return Math.max(own.get(), Math.max(members, gone));
    }

    private static long newest(Connection c, String sql, String collectionId) throws SQLException {
        try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, collectionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    // ---- locks ----

    private static final String LOCK_COLUMNS =
            "token, account_id, path, href, exclusive, depth_infinity, owner, timeout_seconds, expires";

    private static DavLock mapLock(ResultSet rs) throws SQLException {
        return new DavLock(rs.getString(1), rs.getString(2).trim(), rs.getString(3), rs.getString(4), rs.getShort(5) == 1,
                rs.getShort(6) == 1, rs.getString(7), rs.getLong(8), rs.getLong(9));
    }

    private static List<DavLock> activeLocks(Connection c, String accountId, long now) throws SQLException {
        return Database.query(c, "SELECT " + LOCK_COLUMNS + " FROM dav_lock WHERE account_id = ? AND expires > ?", ps -> {
            ps.setString(1, accountId);
            ps.setLong(2, now);
        }, JdbcDavRepository::mapLock);
    }

    @Override
    public List<DavLock> locks(String accountId, long now) {
        return db.transaction(c -> activeLocks(c, accountId, now));
    }

    @Override
    public Optional<DavLock> lock(DavLock lock, long now) {
        return db.transaction(c -> {
            // One lock change per account at a time, on every node: the principal row is the mutex.
            principalRowLock(c, lock.accountId());
            Database.update(c, "DELETE FROM dav_lock WHERE account_id = ? AND expires <= ?", ps -> {
                ps.setString(1, lock.accountId());
                ps.setLong(2, now);
            });
            List<DavLock> active = activeLocks(c, lock.accountId(), now);
            if (active.size() >= MAX_LOCKS) {
                throw new DavLimitException("an account holds at most " + MAX_LOCKS + " locks");
            }
            for (DavLock other : active) {
                boolean overlap = other.covers(lock.path()) || (lock.depthInfinity() ? other.isAtOrUnder(lock.path())
                        : other.path().equals(lock.path()));
                if (overlap && (other.exclusive() || lock.exclusive())) {
                    return Optional.of(other);
                }
            }
            Database.update(c, "INSERT INTO dav_lock (" + LOCK_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", ps -> {
                ps.setString(1, lock.token());
                ps.setString(2, lock.accountId());
                ps.setString(3, lock.path());
                ps.setString(4, lock.href());
                ps.setShort(5, (short) (lock.exclusive() ? 1 : 0));
                ps.setShort(6, (short) (lock.depthInfinity() ? 1 : 0));
                ps.setString(7, lock.owner());
                ps.setLong(8, lock.timeoutSeconds());
                ps.setLong(9, lock.expires());
            });
            return Optional.<DavLock>empty();
        });
    }

    private static void principalRowLock(Connection c, String accountId) throws SQLException {
        if (Database.update(c, "UPDATE dav_principal SET created = created WHERE account_id = ?",
                ps -> ps.setString(1, accountId)) != 1) {
            throw new AccountGoneException(accountId);
        }
    }

    @Override
    public boolean refreshLock(String accountId, String token, long timeoutSeconds, long expires, long now) {
        return db.update("UPDATE dav_lock SET timeout_seconds = ?, expires = ? WHERE account_id = ? AND token = ? AND expires > ?",
                ps -> {
                    ps.setLong(1, timeoutSeconds);
                    ps.setLong(2, expires);
                    ps.setString(3, accountId);
                    ps.setString(4, token);
                    ps.setLong(5, now);
                }) == 1;
    }

    @Override
    public boolean unlock(String accountId, String token) {
        return db.update("DELETE FROM dav_lock WHERE account_id = ? AND token = ?", ps -> {
            ps.setString(1, accountId);
            ps.setString(2, token);
        }) == 1;
    }

    @Override
    public void unlockAtOrUnder(String accountId, String path) {
        db.transaction(c -> {
            for (DavLock l : Database.query(c, "SELECT " + LOCK_COLUMNS + " FROM dav_lock WHERE account_id = ?",
                    ps -> ps.setString(1, accountId), JdbcDavRepository::mapLock)) {
                if (l.isAtOrUnder(path)) {
                    Database.update(c, "DELETE FROM dav_lock WHERE token = ?", ps -> ps.setString(1, l.token()));
                }
            }
            return null;
        });
    }

    /** Deletes an account's DAV data, in the removal's transaction. */
    static void deleteAccount(Connection c, String accountId) throws SQLException {
        Database.update(c, "DELETE FROM dav_property WHERE resource_id IN (SELECT id FROM dav_resource WHERE account_id = ?)",
                ps -> ps.setString(1, accountId));
        Database.update(c, "DELETE FROM dav_resource WHERE account_id = ?", ps -> ps.setString(1, accountId));
        Database.update(c, "DELETE FROM dav_lock WHERE account_id = ?", ps -> ps.setString(1, accountId));
        Database.update(c, "DELETE FROM dav_tombstone WHERE account_id = ?", ps -> ps.setString(1, accountId));
        Database.update(c, "DELETE FROM dav_principal WHERE account_id = ?", ps -> ps.setString(1, accountId));
    }

    private static DavResourceRecord map(ResultSet rs) throws SQLException {
        String etag = rs.getString(8);
        return new DavResourceRecord(rs.getString(1).trim(), rs.getString(2).trim(), rs.getString(3).trim(), rs.getString(4),
                rs.getShort(5) == 1, rs.getString(6), rs.getLong(7), etag == null ? null : etag.trim(),
                Instant.ofEpochMilli(rs.getLong(9)), Instant.ofEpochMilli(rs.getLong(10)), rs.getString(11), rs.getString(12),
                rs.getString(13));
    }
}
