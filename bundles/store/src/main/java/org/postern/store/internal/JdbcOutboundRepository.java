package org.postern.store.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.postern.api.mail.AccountGoneException;
import org.postern.api.store.BlobId;
import org.postern.core.store.OutboundRepository;

/**
 * The outbound queue on {@code outbound_message} and {@code outbound_recipient} (V010).
 *
 * <p><b>Leases.</b> {@link #claimDue} picks candidates (due, unleased or lease expired; messages
 * never tried first, then retries, each oldest due first), then claims each with an UPDATE of its own that repeats those conditions, committed at
 * once: the database row-locks the row for the UPDATE and checks the conditions on its committed
 * state, so of two nodes claiming one message exactly one changes it (update count 1), on
 * PostgreSQL as on Derby, without {@code SKIP LOCKED}. No transaction holds more than one claimed
 * row, so two claimers never deadlock. Every later call checks {@code lease_owner} only: a lease
 * that expired but that nobody took is still its owner's (no one else can be sending the message,
 * and refusing its outcome would send it again); one that another owner took, or that
 * {@link #retryNow} or {@link #recordAttempt} released, is lost.
 *
 * <p><b>Bodies.</b> Whenever message rows go (all recipients final, an operator's delete, account
 * removal), the body is recorded in {@code pending_blob_deletion} in the same transaction and the
 * reaper is woken; the reaper and the orphan sweep keep a body that a queued message refers to.
 */
@Component(service = OutboundRepository.class)
public class JdbcOutboundRepository implements OutboundRepository {
    /** What {@code outbound_recipient.last_reply} holds. */
    static final int REPLY_MAX = 500;
    /** What {@code outbound_message.lease_owner} holds. */
    static final int OWNER_MAX = 64;
    /** What the address columns hold. */
    static final int ADDRESS_MAX = 320;
    /** Candidate rounds per claim: a round whose candidates were taken by another node is followed by another. */
    private static final int CLAIM_ROUNDS = 3;
    private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");
    private static final String COLUMNS = "id, account_id, sender, blob_id, size, created, next_attempt, expires, "
            + "attempts, lease_owner, lease_until";

    private final Database db;
    private final Clock clock;

    @Activate
    public JdbcOutboundRepository(@Reference Database db) {
        this(db, Clock.systemUTC());
    }

    /** With the clock that dates attempts and deletion records (tests). */
    JdbcOutboundRepository(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /**
     * Refuses a message of an account that is REMOVED or unknown ({@link AccountGoneException}),
     * checked under the account's row lock, as folders and app passwords are: a concurrent removal
     * either waits and deletes this message with the rest, or has committed and this is refused.
     */
    @Override
    public void enqueue(NewMessage m) {
        validate(m);
        db.transaction(c -> {
            if (m.accountId() != null && Database.update(c,
                    "UPDATE account SET status = status WHERE id = ? AND status <> 'REMOVED'",
                    ps -> ps.setString(1, m.accountId())) != 1) {
                throw new AccountGoneException(m.accountId());
            }
            Database.update(c, "INSERT INTO outbound_message (" + COLUMNS + ") "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL)", ps -> {
                        ps.setString(1, m.id());
                        if (m.accountId() == null) {
                            ps.setNull(2, Types.CHAR);
                        } else {
                            ps.setString(2, m.accountId());
                        }
                        ps.setString(3, m.sender());
                        ps.setString(4, m.blob().value());
                        ps.setLong(5, m.size());
                        ps.setLong(6, m.created().toEpochMilli());
                        ps.setLong(7, m.notBefore().toEpochMilli());
                        ps.setLong(8, m.expires().toEpochMilli());
                    });
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbound_recipient "
                    + "(message_id, position, address, state, attempts, last_attempt, last_reply) "
                    + "VALUES (?, ?, ?, 'P', 0, NULL, NULL)")) {
                List<String> rcpts = m.recipients();
                for (int i = 0; i < rcpts.size(); i++) {
                    ps.setString(1, m.id());
                    ps.setInt(2, i);
                    ps.setString(3, rcpts.get(i));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    private static void validate(NewMessage m) {
        Objects.requireNonNull(m, "message");
        requireId(m.id());
        if (m.accountId() != null && !ID.matcher(m.accountId()).matches()) {
            throw new IllegalArgumentException("not an account id: " + m.accountId());
        }
        Objects.requireNonNull(m.sender(), "sender (empty for the null sender)");
        requireAddressLength(m.sender());
        Objects.requireNonNull(m.blob(), "blob");
        Objects.requireNonNull(m.created(), "created");
        Objects.requireNonNull(m.notBefore(), "notBefore");
        Objects.requireNonNull(m.expires(), "expires");
        if (m.size() < 0) {
            throw new IllegalArgumentException("negative size: " + m.size());
        }
        List<String> rcpts = m.recipients();
        if (rcpts.isEmpty() || rcpts.size() > MAX_RECIPIENTS) {
            throw new IllegalArgumentException("a queued message has 1 to " + MAX_RECIPIENTS + " recipients, not "
                    + rcpts.size());
        }
        Set<String> seen = new HashSet<>();
        for (String r : rcpts) {
            if (r.isEmpty()) {
                throw new IllegalArgumentException("empty recipient");
            }
            requireAddressLength(r);
            if (!seen.add(r)) {
                throw new IllegalArgumentException("recipient given twice: " + r);
            }
        }
    }

    private static void requireAddressLength(String address) {
        if (address.length() > ADDRESS_MAX) {
            throw new IllegalArgumentException("address longer than " + ADDRESS_MAX + " characters");
        }
    }

    private static String requireId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not a queue id (32 lower-case hex characters): " + id);
        }
        return id;
    }

    private static String requireOwner(String owner) {
        if (owner == null || owner.isEmpty() || owner.length() > OWNER_MAX) {
            throw new IllegalArgumentException("a lease owner has 1 to " + OWNER_MAX + " characters: " + owner);
        }
        return owner;
    }

    /**
     * Candidates, then one claiming UPDATE (its own transaction) per candidate; a candidate that
     * another owner claimed first, or that stopped being due, is skipped. Returns the messages as
     * they are once claimed, and only those still held by {@code owner} when read.
     *
     * @throws IllegalArgumentException when {@code leaseUntil} is not after {@code now} (a lease
     *         that has already ended holds nothing)
     */
    @Override
    public List<QueuedMessage> claimDue(String owner, Instant now, Instant leaseUntil, int limit) {
        requireOwner(owner);
        if (!leaseUntil.isAfter(now)) {
            throw new IllegalArgumentException("a lease must end after now: " + leaseUntil + " <= " + now);
        }
        if (limit <= 0) {
            return List.of();
        }
        long at = now.toEpochMilli();
        long until = leaseUntil.toEpochMilli();
        List<String> claimed = new ArrayList<>();
        for (int round = 0; round < CLAIM_ROUNDS && claimed.size() < limit; round++) {
            int wanted = limit - claimed.size();
            // Claimed rows (ours or another node's) are leased past now, so no round sees them again.
            // New mail first (never tried: index outbound_message_fresh), then retries by their
            // time (outbound_message_due): each an ordered index range, no sort (V013).
            List<String> candidates = new ArrayList<>(db.query("SELECT id FROM outbound_message WHERE attempts = 0 "
                    + "AND next_attempt <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY attempts, next_attempt, id "
                    + "FETCH FIRST " + wanted + " ROWS ONLY", ps -> {
                        ps.setLong(1, at);
                        ps.setLong(2, at);
                    }, rs -> rs.getString(1).trim()));
            if (candidates.size() < wanted) {
                candidates.addAll(db.query("SELECT id FROM outbound_message WHERE next_attempt <= ? AND attempts > 0 "
                        + "AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt, id "
                        + "FETCH FIRST " + (wanted - candidates.size()) + " ROWS ONLY", ps -> {
                            ps.setLong(1, at);
                            ps.setLong(2, at);
                        }, rs -> rs.getString(1).trim()));
            }
            int lost = 0;
            for (String id : candidates) {
                if (claim(id, owner, at, until)) {
                    claimed.add(id);
                } else {
                    lost++;
                }
            }
            if (lost == 0 || candidates.size() < wanted) {
                break; // every candidate was ours, or there were no more: another round finds nothing new
            }
        }
        if (claimed.isEmpty()) {
            return List.of();
        }
        return db.transaction(c -> {
            List<QueuedMessage> out = new ArrayList<>();
            for (int from = 0; from < claimed.size(); from += PendingDeletions.IN_CHUNK) {
                List<String> chunk = claimed.subList(from, Math.min(claimed.size(), from + PendingDeletions.IN_CHUNK));
                out.addAll(read(c, "SELECT " + COLUMNS + " FROM outbound_message WHERE lease_owner = ? AND id IN ("
                        + marks(chunk.size()) + ")", ps -> {
                            ps.setString(1, owner);
                            for (int i = 0; i < chunk.size(); i++) {
                                ps.setString(i + 2, chunk.get(i));
                            }
                        }));
            }
            out.sort(java.util.Comparator.comparing((QueuedMessage q) -> q.attempts() > 0)
                    .thenComparing(QueuedMessage::nextAttempt).thenComparing(QueuedMessage::id));
            return out;
        });
    }

    /** The claim itself: changes the row only while it is due and nobody holds a live lease on it. */
    private boolean claim(String id, String owner, long now, long until) {
        return db.update("UPDATE outbound_message SET lease_owner = ?, lease_until = ? WHERE id = ? "
                + "AND next_attempt <= ? AND (lease_until IS NULL OR lease_until <= ?)", ps -> {
                    ps.setString(1, owner);
                    ps.setLong(2, until);
                    ps.setString(3, id);
                    ps.setLong(4, now);
                    ps.setLong(5, now);
                }) == 1;
    }

    @Override
    public boolean renew(String id, String owner, Instant leaseUntil) {
        requireId(id);
        requireOwner(owner);
        return db.update("UPDATE outbound_message SET lease_until = ? WHERE id = ? AND lease_owner = ?", ps -> {
            ps.setLong(1, leaseUntil.toEpochMilli());
            ps.setString(2, id);
            ps.setString(3, owner);
        }) == 1;
    }

    /**
     * In one transaction, the lease checked first (the message row's UPDATE, which also locks it):
     * each named recipient still PENDING gets its outcome, one more attempt, the time (this
     * store's clock) and the reply, cut to {@link #REPLY_MAX}; a recipient already DELIVERED or
     * FAILED stays so (final states are final). Then, with no recipient left PENDING, the rows go
     * and the body is recorded for deletion: read from the body whatever a DSN needs before this
     * call, as the reaper unlinks it at once.
     *
     * @param nextAttempt may be null only when this attempt leaves no recipient pending
     * @throws IllegalArgumentException (nothing changed) for an outcome naming no recipient of the
     *         message, one recipient named twice, or a null {@code nextAttempt} with recipients pending
     */
    @Override
    public boolean recordAttempt(String id, String owner, List<Outcome> outcomes, Instant nextAttempt) {
        requireId(id);
        requireOwner(owner);
        Set<Integer> positions = new HashSet<>();
        for (Outcome o : outcomes) {
            Objects.requireNonNull(o.state(), "outcome state");
            if (!positions.add(o.position())) {
                throw new IllegalArgumentException("recipient " + o.position() + " named twice");
            }
        }
        long now = clock.millis();
        boolean[] left = new boolean[1];
        boolean held = db.transaction(c -> {
            // Without a next attempt's time the column keeps its value: the message leaves, or this throws.
            String next = nextAttempt == null ? "" : ", next_attempt = ?";
            if (Database.update(c, "UPDATE outbound_message SET attempts = attempts + 1" + next
                    + ", lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?", ps -> {
                        int i = 1;
                        if (nextAttempt != null) {
                            ps.setLong(i++, nextAttempt.toEpochMilli());
                        }
                        ps.setString(i++, id);
                        ps.setString(i, owner);
                    }) != 1) {
                return false;
            }
            for (Outcome o : outcomes) {
                String reply = reply(o.reply());
                Database.update(c, "UPDATE outbound_recipient SET state = ?, attempts = attempts + 1, last_attempt = ?, "
                        + "last_reply = ? WHERE message_id = ? AND position = ? AND state = 'P'", ps -> {
                            ps.setString(1, code(o.state()));
                            ps.setLong(2, now);
                            if (reply == null) {
                                ps.setNull(3, Types.VARCHAR);
                            } else {
                                ps.setString(3, reply);
                            }
                            ps.setString(4, id);
                            ps.setInt(5, o.position());
                        });
            }
            if (!outcomes.isEmpty()) {
                long known = Database.query(c, "SELECT COUNT(*) FROM outbound_recipient WHERE message_id = ? AND position IN ("
                        + marks(positions.size()) + ")", ps -> {
                            ps.setString(1, id);
                            int i = 2;
                            for (Integer p : positions) {
                                ps.setInt(i++, p);
                            }
                        }, rs -> rs.getLong(1)).get(0);
                if (known != positions.size()) {
                    throw new IllegalArgumentException("an outcome names a recipient message " + id + " does not have: "
                            + positions);
                }
            }
            long pending = Database.query(c, "SELECT COUNT(*) FROM outbound_recipient WHERE message_id = ? AND state = 'P'",
                    ps -> ps.setString(1, id), rs -> rs.getLong(1)).get(0);
            if (pending > 0) {
                if (nextAttempt == null) {
                    throw new IllegalArgumentException("message " + id + " has " + pending
                            + " recipients pending: the next attempt's time is needed");
                }
                return true;
            }
            left[0] = remove(c, id, PendingDeletions.OUTBOUND_DONE, now);
            return true;
        });
        if (left[0]) {
            db.pendingDeletionsRecorded();
        }
        return held;
    }

    @Override
    public Optional<QueuedMessage> find(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.empty(); // an operator's typo finds nothing
        }
        List<QueuedMessage> found = db.transaction(c -> read(c, "SELECT " + COLUMNS + " FROM outbound_message WHERE id = ?",
                ps -> ps.setString(1, id)));
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    @Override
    public List<QueuedMessage> list(int limit) {
        if (limit <= 0) {
            return List.of();
        }
        return db.transaction(c -> read(c, "SELECT " + COLUMNS + " FROM outbound_message ORDER BY next_attempt, id "
                + "FETCH FIRST " + limit + " ROWS ONLY", ps -> { }));
    }

    @Override
    public long count() {
        return db.query("SELECT COUNT(*) FROM outbound_message", ps -> { }, rs -> rs.getLong(1)).get(0);
    }

    @Override
    public boolean retryNow(String id, Instant now) {
        if (id == null || !ID.matcher(id).matches()) {
            return false;
        }
        // A live lease stays: dropping it would let another node send while this attempt's
        // outcome is not recorded yet, and the recipients it delivers would get the mail twice.
        return db.update("UPDATE outbound_message SET next_attempt = ? WHERE id = ?", ps -> {
                    ps.setLong(1, now.toEpochMilli());
                    ps.setString(2, id);
                }) == 1;
    }

    @Override
    public boolean delete(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return false;
        }
        long now = clock.millis();
        boolean deleted = db.transaction(c -> remove(c, id, PendingDeletions.OUTBOUND_DELETED, now));
        if (deleted) {
            db.pendingDeletionsRecorded();
        }
        return deleted;
    }

    /**
     * Deletes the message with its recipients (by key, before it: V011) and records its body, inside the caller's
     * transaction; false when there was no such row. The DELETE row-locks it, so a concurrent
     * remover finds nothing and records nothing.
     */
    private static boolean remove(Connection c, String id, String reason, long now) throws SQLException {
        List<BlobId> body = Database.query(c, "SELECT blob_id FROM outbound_message WHERE id = ?",
                ps -> ps.setString(1, id), rs -> BlobId.of(rs.getString(1).trim()));
        if (body.isEmpty()) {
            return false;
        }
        Database.update(c, "DELETE FROM outbound_recipient WHERE message_id = ?", ps -> ps.setString(1, id));
        if (Database.update(c, "DELETE FROM outbound_message WHERE id = ?", ps -> ps.setString(1, id)) != 1) {
            return false;
        }
        PendingDeletions.record(c, body, reason, now);
        return true;
    }

    // ---- reading ----

    /** The messages {@code sql} selects ({@link #COLUMNS}, in its order), each with all its recipients. */
    private static List<QueuedMessage> read(Connection c, String sql, Database.Binder binder) throws SQLException {
        List<Object[]> rows = Database.query(c, sql, binder, rs -> new Object[] {
            rs.getString(1).trim(), trimmed(rs.getString(2)), rs.getString(3), BlobId.of(rs.getString(4).trim()),
            rs.getLong(5), Instant.ofEpochMilli(rs.getLong(6)), Instant.ofEpochMilli(rs.getLong(7)),
            Instant.ofEpochMilli(rs.getLong(8)), rs.getInt(9), rs.getString(10), instant(rs, 11)});
        if (rows.isEmpty()) {
            return List.of();
        }
        Map<String, List<Recipient>> recipients = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>();
        for (Object[] r : rows) {
            ids.add((String) r[0]);
            recipients.put((String) r[0], new ArrayList<>());
        }
        for (int from = 0; from < ids.size(); from += PendingDeletions.IN_CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + PendingDeletions.IN_CHUNK));
            Database.query(c, "SELECT message_id, position, address, state, attempts, last_attempt, last_reply "
                    + "FROM outbound_recipient WHERE message_id IN (" + marks(chunk.size()) + ") "
                    + "ORDER BY message_id, position", ps -> {
                        for (int i = 0; i < chunk.size(); i++) {
                            ps.setString(i + 1, chunk.get(i));
                        }
                    }, rs -> recipients.get(rs.getString(1).trim()).add(new Recipient(rs.getInt(2), rs.getString(3),
                            state(rs.getString(4)), rs.getInt(5), instant(rs, 6), rs.getString(7))));
        }
        List<QueuedMessage> out = new ArrayList<>();
        for (Object[] r : rows) {
            out.add(new QueuedMessage((String) r[0], (String) r[1], (String) r[2], (BlobId) r[3], (Long) r[4],
                    (Instant) r[5], (Instant) r[6], (Instant) r[7], (Integer) r[8], (String) r[9], (Instant) r[10],
                    recipients.get((String) r[0])));
        }
        return out;
    }

    private static String trimmed(String s) {
        return s == null ? null : s.trim();
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static String marks(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    static String code(RecipientState s) {
        return switch (s) {
            case PENDING -> "P";
            case DELIVERED -> "D";
            case FAILED -> "F";
        };
    }

    static RecipientState state(String code) {
        return switch (code.trim()) {
            case "P" -> RecipientState.PENDING;
            case "D" -> RecipientState.DELIVERED;
            case "F" -> RecipientState.FAILED;
            default -> throw new IllegalStateException("unknown recipient state in outbound_recipient: " + code);
        };
    }

    /**
     * A reply as the column holds it: at most {@link #REPLY_MAX} characters (never a half of a
     * surrogate pair at the cut), and no NUL or lone surrogate, which PostgreSQL's text refuses:
     * a remote server chooses what it sends, and that must not fail the attempt's record.
     */
    static String reply(String reply) {
        if (reply == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(reply.length(), REPLY_MAX));
        for (int i = 0; i < reply.length() && out.length() < REPLY_MAX; i++) {
            char ch = reply.charAt(i);
            if (Character.isHighSurrogate(ch) && i + 1 < reply.length() && Character.isLowSurrogate(reply.charAt(i + 1))) {
                if (out.length() + 2 > REPLY_MAX) {
                    break;
                }
                out.append(ch).append(reply.charAt(++i));
            } else if (ch == 0 || Character.isSurrogate(ch)) {
                out.append('\uFFFD');
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }
}
