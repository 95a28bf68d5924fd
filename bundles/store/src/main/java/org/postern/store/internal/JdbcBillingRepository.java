package org.postern.store.internal;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.postern.core.billing.LedgerEntry;
import org.postern.core.billing.LedgerEntry.Kind;
import org.postern.core.billing.PaymentOutcome;
import org.postern.core.billing.Plan;
import org.postern.core.store.BillingRepository;
import org.postern.core.store.ChangeListener;
import org.postern.core.store.DuplicateKeyException;
import org.postern.core.store.StoreException;

@Component(service = BillingRepository.class)
public class JdbcBillingRepository implements BillingRepository {
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String SEQUENCE = "billing_ledger";
    private static final String COLUMNS = "seq, account_ref, occurred, kind, plan_name, period, provider, txid, amount, currency, "
            + "expires_before, expires_after, status_after, detail";

    private final Database db;

    @Activate
    public JdbcBillingRepository(@Reference Database db) {
        this.db = db;
    }

    // ---- plans ----

    @Override
    public List<Plan> plans() {
        return db.query("SELECT name, period_count, period_unit, price, currency, renews FROM billing_plan ORDER BY name",
                ps -> { }, JdbcBillingRepository::plan);
    }

    @Override
    public Optional<Plan> plan(String name) {
        return db.queryOne("SELECT name, period_count, period_unit, price, currency, renews FROM billing_plan WHERE name = ?",
                ps -> ps.setString(1, name), JdbcBillingRepository::plan);
    }

    private static Plan plan(ResultSet rs) throws SQLException {
        return new Plan(rs.getString(1), rs.getInt(2), Plan.Unit.of(rs.getString(3).charAt(0)), rs.getBigDecimal(4).stripTrailingZeros()
                .setScale(Math.max(2, rs.getBigDecimal(4).stripTrailingZeros().scale())), rs.getString(5).trim(), rs.getInt(6) == 1);
    }

    @Override
    public void addPlan(Plan p, Instant now) {
        db.update("INSERT INTO billing_plan (name, period_count, period_unit, price, currency, renews, created) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?)", ps -> {
                    ps.setString(1, p.name());
                    ps.setInt(2, p.count());
                    ps.setString(3, String.valueOf(p.unit().letter()));
                    ps.setBigDecimal(4, p.price());
                    ps.setString(5, p.currency());
                    ps.setInt(6, p.renews() ? 1 : 0);
                    ps.setLong(7, now.toEpochMilli());
                });
    }

    @Override
    public boolean removePlan(String name) {
        return db.update("DELETE FROM billing_plan WHERE name = ?", ps -> ps.setString(1, name)) == 1;
    }

    // ---- payments ----

    @Override
    public PaymentOutcome applyPayment(String accountId, Plan plan, String provider, String txid, BigDecimal amount,
            String currency, Instant now, LocalDate today) {
        try {
            return db.transaction(c -> {
                Account a = lockAccount(c, accountId);
                // after the account's lock: a second node with the same transaction waited for the first to commit
                Optional<PaymentOutcome> before = applied(c, provider, txid);
                if (before.isPresent()) {
                    return before.get();
                }
                if (a.status.equals("REMOVED")) {
                    LedgerEntry refused = insert(c, new LedgerEntry(0, randomRef(), now, Kind.PAYMENT_REFUSED, plan.name(),
                            plan.period(), provider, txid, amount, currency, null, null, "REMOVED",
                            "the account was removed: to be refunded"));
                    recordPayment(c, provider, txid, refused.seq());
                    return new PaymentOutcome(PaymentOutcome.Result.REFUSED_REMOVED, refused, null, "REMOVED");
                }
                String ref = ref(c, a, now);
                LocalDate base = a.expires == null ? today : a.expires;
                LocalDate paidUntil = plan.extend(base);
                Database.update(c, "UPDATE account SET expires = ? WHERE id = ?", ps -> {
                    ps.setDate(1, Date.valueOf(paidUntil));
                    ps.setString(2, accountId);
                });
                String status = a.status;
                boolean unlock = status.equals("LOCKED") && paidUntil.isAfter(today) && lastLock(c, ref) == Kind.LOCKED_EXPIRED;
                LedgerEntry payment = insert(c, new LedgerEntry(0, ref, now, Kind.PAYMENT, plan.name(), plan.period(), provider, txid,
                        amount, currency, base, paidUntil, status, null));
                recordPayment(c, provider, txid, payment.seq());
                if (unlock) {
                    Database.update(c, "UPDATE account SET status = 'ACTIVE' WHERE id = ?", ps -> ps.setString(1, accountId));
                    insert(c, new LedgerEntry(0, ref, now, Kind.UNLOCKED, null, null, null, null, null, null, null, paidUntil,
                            "ACTIVE", "paid up to " + paidUntil));
                    status = "ACTIVE";
                }
                db.changed(c, ChangeListener.ACCOUNT, accountId);
                return new PaymentOutcome(PaymentOutcome.Result.APPLIED, payment, paidUntil, status);
            });
        } catch (DuplicateKeyException raced) {
            // the same transaction committed on another account's row meanwhile (a txid reused across
            // accounts): it was applied there, once
            return db.transaction(c -> applied(c, provider, txid)).orElseThrow(() -> raced);
        }
    }

    private Optional<PaymentOutcome> applied(Connection c, String provider, String txid) throws SQLException {
        List<LedgerEntry> rows = Database.query(c, "SELECT " + prefixed("l.") + " FROM billing_payment p JOIN billing_ledger l "
                + "ON l.seq = p.ledger_seq WHERE p.provider = ? AND p.txid = ?", ps -> {
                    ps.setString(1, provider);
                    ps.setString(2, txid);
                }, JdbcBillingRepository::entry);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        LedgerEntry e = rows.get(0);
        return Optional.of(new PaymentOutcome(PaymentOutcome.Result.DUPLICATE, e, e.expiresAfter(), e.statusAfter()));
    }

    private static void recordPayment(Connection c, String provider, String txid, long seq) throws SQLException {
        Database.update(c, "INSERT INTO billing_payment (provider, txid, ledger_seq) VALUES (?, ?, ?)", ps -> {
            ps.setString(1, provider);
            ps.setString(2, txid);
            ps.setLong(3, seq);
        });
    }

    // ---- locks ----

    @Override
    public Optional<LedgerEntry> lock(String accountId, boolean expired, String reason, Instant now) {
        return db.transaction(c -> {
            Account a = lockAccount(c, accountId);
            if (a.status.equals("REMOVED")) {
                throw new StoreException("the account was removed", null);
            }
            String ref = ref(c, a, now);
            Kind kind = expired ? Kind.LOCKED_EXPIRED : Kind.LOCKED;
            if (a.status.equals("LOCKED") && (expired || lastLock(c, ref) == Kind.LOCKED)) {
                return Optional.empty();
            }
            Database.update(c, "UPDATE account SET status = 'LOCKED' WHERE id = ?", ps -> ps.setString(1, accountId));
            LedgerEntry e = insert(c, new LedgerEntry(0, ref, now, kind, null, null, null, null, null, null, null, a.expires,
                    "LOCKED", reason));
            db.changed(c, ChangeListener.ACCOUNT, accountId);
            return Optional.of(e);
        });
    }

    @Override
    public Optional<LedgerEntry> lockExpired(String accountId, LocalDate today, Instant now) {
        return db.transaction(c -> {
            Account a = lockAccount(c, accountId);
            if (!a.status().equals("ACTIVE") || a.expires() == null || a.expires().isAfter(today)) {
                return Optional.empty();
            }
            String ref = ref(c, a, now);
            Database.update(c, "UPDATE account SET status = 'LOCKED' WHERE id = ?", ps -> ps.setString(1, accountId));
            LedgerEntry e = insert(c, new LedgerEntry(0, ref, now, Kind.LOCKED_EXPIRED, null, null, null, null, null, null, null,
                    a.expires(), "LOCKED", "expired on " + a.expires()));
            db.changed(c, ChangeListener.ACCOUNT, accountId);
            return Optional.of(e);
        });
    }

    @Override
    public Optional<LedgerEntry> claimReminder(String accountId, LocalDate expires, int days, Instant now) {
        String detail = days + " days before " + expires;
        return db.transaction(c -> {
            Account a = lockAccount(c, accountId);
            if (!a.status().equals("ACTIVE") || !expires.equals(a.expires())) {
                return Optional.empty();
            }
            String ref = ref(c, a, now);
            boolean sent = !Database.query(c, "SELECT seq FROM billing_ledger WHERE account_ref = ? AND kind = 'REMINDER' "
                    + "AND detail = ?", ps -> {
                        ps.setString(1, ref);
                        ps.setString(2, detail);
                    }, rs -> rs.getLong(1)).isEmpty();
            if (sent) {
                return Optional.empty();
            }
            return Optional.of(insert(c, new LedgerEntry(0, ref, now, Kind.REMINDER, null, null, null, null, null, null, null, expires,
                    "ACTIVE", detail)));
        });
    }

    @Override
    public Optional<LedgerEntry> claimRenewal(String accountId, LocalDate expires, String plan, String provider, LocalDate today,
            Instant now) {
        String detail = "for " + expires;
        return db.transaction(c -> {
            Account a = lockAccount(c, accountId);
            if (!a.status().equals("ACTIVE") || !expires.equals(a.expires()) || expires.isAfter(today)) {
                return Optional.empty();
            }
            String ref = ref(c, a, now);
            boolean claimed = !Database.query(c, "SELECT seq FROM billing_ledger WHERE account_ref = ? AND kind = 'RENEWAL' "
                    + "AND detail = ?", ps -> {
                        ps.setString(1, ref);
                        ps.setString(2, detail);
                    }, rs -> rs.getLong(1)).isEmpty();
            if (claimed) {
                return Optional.empty();
            }
            return Optional.of(insert(c, new LedgerEntry(0, ref, now, Kind.RENEWAL, plan, null, provider, null, null, null, null,
                    expires, "ACTIVE", detail)));
        });
    }

    @Override
    public Optional<LedgerEntry> unlock(String accountId, Instant now) {
        return db.transaction(c -> {
            Account a = lockAccount(c, accountId);
            if (!a.status.equals("LOCKED")) {
                return Optional.empty();
            }
            String ref = ref(c, a, now);
            Database.update(c, "UPDATE account SET status = 'ACTIVE' WHERE id = ?", ps -> ps.setString(1, accountId));
            LedgerEntry e = insert(c, new LedgerEntry(0, ref, now, Kind.UNLOCKED, null, null, null, null, null, null, null, a.expires,
                    "ACTIVE", null));
            db.changed(c, ChangeListener.ACCOUNT, accountId);
            return Optional.of(e);
        });
    }

    /** The kind of the account's latest lock or unlock row, or null when it has none. */
    private static Kind lastLock(Connection c, String ref) throws SQLException {
        List<String> kinds = Database.query(c, "SELECT kind FROM billing_ledger WHERE account_ref = ? AND kind IN "
                + "('LOCKED', 'LOCKED_EXPIRED', 'UNLOCKED') ORDER BY seq DESC", ps -> ps.setString(1, ref), rs -> rs.getString(1));
        return kinds.isEmpty() ? null : Kind.valueOf(kinds.get(0));
    }

    // ---- the ledger ----

    @Override
    public List<LedgerEntry> ledger(String accountId) {
        return db.query("SELECT " + prefixed("l.") + " FROM billing_ledger l JOIN billing_account b ON b.ref = l.account_ref "
                + "WHERE b.account_id = ? ORDER BY l.seq", ps -> ps.setString(1, accountId), JdbcBillingRepository::entry);
    }

    @Override
    public List<Replayed> replayAll() {
        record Row(String accountId, LedgerEntry entry, String status, LocalDate expires) {
        }
        List<Row> rows = db.query("SELECT b.account_id, " + prefixed("l.") + ", a.status, a.expires FROM billing_account b "
                + "JOIN billing_ledger l ON l.account_ref = b.ref JOIN account a ON a.id = b.account_id ORDER BY b.account_id, l.seq",
                ps -> { }, rs -> {
                    Date d = rs.getDate(17);
                    return new Row(rs.getString(1).trim(), entry(rs, 1), rs.getString(16), d == null ? null : d.toLocalDate());
                });
        List<Replayed> out = new ArrayList<>();
        int i = 0;
        while (i < rows.size()) {
            String id = rows.get(i).accountId();
            LocalDate expires = null;
            String status = null;
            int j = i;
            for (; j < rows.size() && rows.get(j).accountId().equals(id); j++) {
                LedgerEntry e = rows.get(j).entry();
                switch (e.kind()) {
                    case OPENED -> {
                        expires = e.expiresAfter();
                        status = e.statusAfter();
                    }
                    case PAYMENT -> {
                        // recomputed, not copied: the period from the date the previous rows reached
                        LocalDate base = expires != null ? expires : e.expiresBefore();
                        int[] p = Plan.parsePeriod(e.period());
                        expires = Plan.extend(base, p[0], Plan.Unit.values()[p[1]]);
                    }
                    case EXTENSION -> expires = e.expiresAfter();
                    case LOCKED, LOCKED_EXPIRED -> status = "LOCKED";
                    case UNLOCKED -> status = "ACTIVE";
                    case REMOVED -> status = "REMOVED";
                    default -> {
                        // reminders, refunds and refused payments change nothing
                    }
                }
            }
            Row last = rows.get(j - 1);
            out.add(new Replayed(id, expires, status == null ? "?" : status, last.expires(), last.status()));
            i = j;
        }
        return out;
    }

    // ---- plumbing ----

    private record Account(String id, String status, LocalDate expires) {
    }

    /** The account's row, locked until the transaction ends (an UPDATE that changes nothing takes the row lock on both engines). */
    private static Account lockAccount(Connection c, String accountId) throws SQLException {
        if (Database.update(c, "UPDATE account SET status = status WHERE id = ?", ps -> ps.setString(1, accountId)) != 1) {
            throw new StoreException("no such account", null);
        }
        return Database.query(c, "SELECT status, expires FROM account WHERE id = ?", ps -> ps.setString(1, accountId), rs -> {
            Date d = rs.getDate(2);
            return new Account(accountId, rs.getString(1), d == null ? null : d.toLocalDate());
        }).get(0);
    }

    /** The account's reference, made with an OPENED row (its state now) at its first billing event. */
    private static String ref(Connection c, Account a, Instant now) throws SQLException {
        List<String> refs = Database.query(c, "SELECT ref FROM billing_account WHERE account_id = ?", ps -> ps.setString(1, a.id()),
                rs -> rs.getString(1).trim());
        if (!refs.isEmpty()) {
            return refs.get(0);
        }
        String ref = randomRef();
        Database.update(c, "INSERT INTO billing_account (account_id, ref) VALUES (?, ?)", ps -> {
            ps.setString(1, a.id());
            ps.setString(2, ref);
        });
        insert(c, new LedgerEntry(0, ref, now, Kind.OPENED, null, null, null, null, null, null, null, a.expires(), a.status(), null));
        return ref;
    }

    /**
     * At an account's removal, in its transaction: a REMOVED row under its reference, then the
     * link between the account and its reference deleted, so the ledger stays whole and names
     * nobody. Nothing for an account that never had a billing event.
     */
    static void unlink(Connection c, String accountId, Instant now) throws SQLException {
        List<String> refs = Database.query(c, "SELECT ref FROM billing_account WHERE account_id = ?", ps -> ps.setString(1, accountId),
                rs -> rs.getString(1).trim());
        if (refs.isEmpty()) {
            return;
        }
        insert(c, new LedgerEntry(0, refs.get(0), now, Kind.REMOVED, null, null, null, null, null, null, null, null, "REMOVED", null));
        Database.update(c, "DELETE FROM billing_account WHERE account_id = ?", ps -> ps.setString(1, accountId));
    }

    private static String randomRef() {
        byte[] raw = new byte[16];
        RANDOM.nextBytes(raw);
        return HexFormat.of().formatHex(raw);
    }

    static LedgerEntry insert(Connection c, LedgerEntry e) throws SQLException {
        long seq = Sequences.next(c, SEQUENCE);
        String detail = e.detail() == null ? null : e.detail().length() > 500 ? e.detail().substring(0, 500) : e.detail();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO billing_ledger (" + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, seq);
            ps.setString(2, e.accountRef());
            ps.setLong(3, e.occurred().toEpochMilli());
            ps.setString(4, e.kind().name());
            ps.setString(5, e.plan());
            ps.setString(6, e.period());
            ps.setString(7, e.provider());
            ps.setString(8, e.txid());
            if (e.amount() == null) {
                ps.setNull(9, Types.DECIMAL);
            } else {
                ps.setBigDecimal(9, e.amount());
            }
            ps.setString(10, e.currency());
            setDate(ps, 11, e.expiresBefore());
            setDate(ps, 12, e.expiresAfter());
            ps.setString(13, e.statusAfter());
            ps.setString(14, detail);
            ps.executeUpdate();
        }
        return new LedgerEntry(seq, e.accountRef(), Instant.ofEpochMilli(e.occurred().toEpochMilli()), e.kind(), e.plan(), e.period(),
                e.provider(), e.txid(), e.amount(), e.currency(), e.expiresBefore(), e.expiresAfter(), e.statusAfter(), detail);
    }

    private static void setDate(PreparedStatement ps, int i, LocalDate d) throws SQLException {
        if (d == null) {
            ps.setNull(i, Types.DATE);
        } else {
            ps.setDate(i, Date.valueOf(d));
        }
    }

    private static String prefixed(String alias) {
        StringBuilder b = new StringBuilder();
        for (String col : COLUMNS.split(", ")) {
            b.append(b.length() == 0 ? "" : ", ").append(alias).append(col);
        }
        return b.toString();
    }

    private static LedgerEntry entry(ResultSet rs) throws SQLException {
        return entry(rs, 0);
    }

    /** The ledger's columns from {@code offset + 1} on. */
    private static LedgerEntry entry(ResultSet rs, int offset) throws SQLException {
        Date before = rs.getDate(offset + 11);
        Date after = rs.getDate(offset + 12);
        BigDecimal amount = rs.getBigDecimal(offset + 9);
        String currency = rs.getString(offset + 10);
        return new LedgerEntry(rs.getLong(offset + 1), rs.getString(offset + 2).trim(), Instant.ofEpochMilli(rs.getLong(offset + 3)),
                Kind.valueOf(rs.getString(offset + 4)), rs.getString(offset + 5), rs.getString(offset + 6), rs.getString(offset + 7),
                rs.getString(offset + 8), amount == null ? null : amount.stripTrailingZeros().setScale(Math.max(2,
                        amount.stripTrailingZeros().scale())), currency == null ? null : currency.trim(),
                before == null ? null : before.toLocalDate(), after == null ? null : after.toLocalDate(), rs.getString(offset + 13),
                rs.getString(offset + 14));
    }
}
