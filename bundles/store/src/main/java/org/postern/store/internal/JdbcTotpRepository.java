package org.postern.store.internal;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.postern.api.mail.AccountGoneException;
import org.postern.core.store.ChangeListener;
import org.postern.core.store.TotpRepository;

@Component(service = TotpRepository.class)
public class JdbcTotpRepository implements TotpRepository {
    private final Database db;

    @Activate
    public JdbcTotpRepository(@Reference Database db) {
        this.db = db;
    }

    @Override
    public Optional<Factor> find(String accountId) {
        return db.queryOne("SELECT account_id, secret_sealed, key_id, last_step, created FROM totp_factor WHERE account_id = ?",
                ps -> ps.setString(1, accountId),
                rs -> new Factor(rs.getString(1).trim(), rs.getString(2), rs.getString(3).trim(), rs.getLong(4),
                        Instant.ofEpochMilli(rs.getLong(5))));
    }

    /** Row-locks the account first, as app passwords do: a concurrent removal either waits or wins. */
    @Override
    public void enable(String accountId, String sealedSecret, String keyId, long lastStep, List<String> recoveryCodeHashes,
            Instant now) {
        db.transaction(c -> {
            if (Database.update(c, "UPDATE account SET status = status WHERE id = ? AND status <> 'REMOVED'",
                    ps -> ps.setString(1, accountId)) != 1) {
                throw new AccountGoneException(accountId);
            }
            Database.update(c, "DELETE FROM totp_recovery_code WHERE account_id = ?", ps -> ps.setString(1, accountId));
            Database.update(c, "DELETE FROM totp_factor WHERE account_id = ?", ps -> ps.setString(1, accountId));
            Database.update(c, "INSERT INTO totp_factor (account_id, secret_sealed, key_id, last_step, created) VALUES (?, ?, ?, ?, ?)",
                    ps -> {
                        ps.setString(1, accountId);
                        ps.setString(2, sealedSecret);
                        ps.setString(3, keyId);
                        ps.setLong(4, lastStep);
                        ps.setLong(5, now.toEpochMilli());
                    });
            for (String hash : recoveryCodeHashes) {
                Database.update(c, "INSERT INTO totp_recovery_code (account_id, code_hash) VALUES (?, ?)", ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, hash);
                });
            }
            db.changed(c, ChangeListener.ACCOUNT, accountId);
            return null;
        });
    }

    @Override
    public boolean disable(String accountId) {
        return db.transaction(c -> {
            Database.update(c, "DELETE FROM totp_recovery_code WHERE account_id = ?", ps -> ps.setString(1, accountId));
            boolean had = Database.update(c, "DELETE FROM totp_factor WHERE account_id = ?", ps -> ps.setString(1, accountId)) == 1;
            if (had) {
                db.changed(c, ChangeListener.ACCOUNT, accountId);
            }
            return had;
        });
    }

    @Override
    public boolean useStep(String accountId, long step) {
        return db.transaction(c -> Database.update(c,
                "UPDATE totp_factor SET last_step = ? WHERE account_id = ? AND last_step < ?", ps -> {
                    ps.setLong(1, step);
                    ps.setString(2, accountId);
                    ps.setLong(3, step);
                }) == 1);
    }

    @Override
    public boolean useRecoveryCode(String accountId, String codeHash) {
        return db.transaction(c -> Database.update(c, "DELETE FROM totp_recovery_code WHERE account_id = ? AND code_hash = ?",
                ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, codeHash);
                }) == 1);
    }

    @Override
    public int recoveryCodesLeft(String accountId) {
        return db.queryOne("SELECT COUNT(*) FROM totp_recovery_code WHERE account_id = ?", ps -> ps.setString(1, accountId),
                rs -> rs.getInt(1)).orElse(0);
    }
}
