package org.postern.store.internal;

import java.sql.Date;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;
import org.postern.core.store.AccountRecord;
import org.postern.core.store.AccountRepository;
import org.postern.core.store.ChangeListener;

@Component(service = AccountRepository.class)
public class JdbcAccountRepository implements AccountRepository {
    private static final String COLUMNS = "id, local_part, domain, status, password_hash, created, expires";

    private final Database db;

    @Activate
    public JdbcAccountRepository(@Reference Database db) {
        this.db = db;
    }

    @Override
    public void insert(AccountRecord a) {
        db.update("INSERT INTO account (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)", ps -> {
            ps.setString(1, a.id());
            ps.setString(2, a.address().localPart());
            ps.setString(3, a.address().domain());
            ps.setString(4, a.status().name());
            ps.setString(5, a.passwordHash());
            ps.setLong(6, a.created().toEpochMilli());
            if (a.expires() == null) {
                ps.setNull(7, Types.DATE);
            } else {
                ps.setDate(7, Date.valueOf(a.expires()));
            }
        });
    }

    @Override
    public Optional<AccountRecord> byAddress(MailAddress address) {
        return db.queryOne("SELECT " + COLUMNS + " FROM account WHERE local_part = ? AND domain = ?", ps -> {
            ps.setString(1, address.localPart());
            ps.setString(2, address.domain());
        }, JdbcAccountRepository::map);
    }

    @Override
    public Optional<AccountRecord> byId(String id) {
        return db.queryOne("SELECT " + COLUMNS + " FROM account WHERE id = ?", ps -> ps.setString(1, id),
                JdbcAccountRepository::map);
    }

    @Override
    public List<AccountRecord> list() {
        return db.query("SELECT " + COLUMNS + " FROM account ORDER BY domain, local_part", ps -> { },
                JdbcAccountRepository::map);
    }

    @Override
    public boolean updatePasswordHash(String id, String passwordHash) {
        return db.update("UPDATE account SET password_hash = ? WHERE id = ? AND status <> 'REMOVED'", ps -> {
            ps.setString(1, passwordHash);
            ps.setString(2, id);
        }, ChangeListener.ACCOUNT, id) == 1;
    }

    @Override
    public boolean updateStatus(String id, AccountStatus status) {
        return db.update("UPDATE account SET status = ? WHERE id = ? AND status <> 'REMOVED'", ps -> {
            ps.setString(1, status.name());
            ps.setString(2, id);
        }, ChangeListener.ACCOUNT, id) == 1;
    }

    /**
     * The account row first: its lock orders this against a folder being created for the account
     * (which takes the same lock, then finds the account removed), and against a message being
     * queued for sending (the same). Then its mail and its queued outbound mail: rows deleted and
     * bodies recorded for deletion in this same transaction, so a removal that commits cannot
     * forget a body and one that fails leaves everything as it was.
     */
    @Override
    public boolean markRemoved(String id) {
        return remove(id, null);
    }

    @Override
    public boolean markRemovedIfExpired(String id, LocalDate expiredOnOrBefore) {
        return remove(id, java.util.Objects.requireNonNull(expiredOnOrBefore));
    }

    private boolean remove(String id, LocalDate expiredOnOrBefore) {
        long now = System.currentTimeMillis();
        int[] bodies = new int[1];
        boolean removed = db.transaction(c -> {
            int changed = expiredOnOrBefore == null
                    ? Database.update(c, "UPDATE account SET status = 'REMOVED', password_hash = NULL WHERE id = ?",
                            ps -> ps.setString(1, id))
                    : Database.update(c, "UPDATE account SET status = 'REMOVED', password_hash = NULL WHERE id = ? "
                            + "AND status = 'LOCKED' AND expires IS NOT NULL AND expires <= ?", ps -> {
                                ps.setString(1, id);
                                ps.setDate(2, Date.valueOf(expiredOnOrBefore));
                            });
            if (changed != 1) {
                return false;
            }
            bodies[0] = PendingDeletions.deleteAccountMail(c, id, PendingDeletions.ACCOUNT_REMOVED, now).size();
            // Its queued outbound mail too (V010): a removal deletes the account's data, and an
            // operator removing an abusing account stops its mail going out.
            bodies[0] += PendingDeletions.deleteAccountQueue(c, id, PendingDeletions.ACCOUNT_REMOVED, now).size();
            Database.update(c, "DELETE FROM owned_domain WHERE account_id = ?", ps -> ps.setString(1, id));
            Database.update(c, "DELETE FROM policy_entry WHERE account_id = ?", ps -> ps.setString(1, id));
            Database.update(c, "DELETE FROM account_policy WHERE account_id = ?", ps -> ps.setString(1, id));
            Database.update(c, "DELETE FROM app_password WHERE account_id = ?", ps -> ps.setString(1, id));
            // The webmail's second factor (V017)
            Database.update(c, "DELETE FROM totp_recovery_code WHERE account_id = ?", ps -> ps.setString(1, id));
            Database.update(c, "DELETE FROM totp_factor WHERE account_id = ?", ps -> ps.setString(1, id));
            // The owner's preferences (V018)
            Database.update(c, "DELETE FROM account_setting WHERE account_id = ?", ps -> ps.setString(1, id));
            // Calendars, contacts and files: deleted is gone (V014)
            JdbcDavRepository.deleteAccount(c, id);
            // The ledger keeps a REMOVED row and forgets whose it was (V020)
            JdbcBillingRepository.unlink(c, id, java.time.Instant.ofEpochMilli(now));
            db.changed(c, ChangeListener.ACCOUNT, id);
            db.changed(c, ChangeListener.MAIL, id);
            return true;
        });
        if (bodies[0] > 0) {
            db.pendingDeletionsRecorded();
        }
        return removed;
    }

    private static AccountRecord map(ResultSet rs) throws SQLException {
        Date expires = rs.getDate(7);
        return new AccountRecord(rs.getString(1).trim(), MailAddress.of(rs.getString(2), rs.getString(3)),
                AccountStatus.valueOf(rs.getString(4)), rs.getString(5), Instant.ofEpochMilli(rs.getLong(6)),
                expires == null ? null : expires.toLocalDate());
    }
}
