package org.postern.store.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.postern.api.mail.AccountGoneException;
import org.postern.core.store.AccountSettingRepository;

@Component(service = AccountSettingRepository.class)
public class JdbcAccountSettingRepository implements AccountSettingRepository {
    private final Database db;

    @Activate
    public JdbcAccountSettingRepository(@Reference Database db) {
        this.db = db;
    }

    @Override
    public Optional<String> get(String accountId, String name) {
        return db.queryOne("SELECT setting_value FROM account_setting WHERE account_id = ? AND name = ?", ps -> {
            ps.setString(1, accountId);
            ps.setString(2, name);
        }, rs -> rs.getString(1));
    }

    @Override
    public Map<String, String> all(String accountId) {
        Map<String, String> out = new LinkedHashMap<>();
        db.query("SELECT name, setting_value FROM account_setting WHERE account_id = ? ORDER BY name",
                ps -> ps.setString(1, accountId), rs -> out.put(rs.getString(1), rs.getString(2)));
        return out;
    }

    /**
     * An update, else an insert, under the account's row lock: portable (Derby has no upsert of
     * PostgreSQL's form), and two writers of one account queue instead of colliding on the key.
     */
    @Override
    public void put(String accountId, String name, String value) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME) {
            throw new IllegalArgumentException("a setting name has 1 to " + MAX_NAME + " characters");
        }
        if (value == null || value.isEmpty() || value.length() > MAX_VALUE) {
            throw new IllegalArgumentException("a setting value has 1 to " + MAX_VALUE + " characters");
        }
        db.transaction(c -> {
            if (Database.update(c, "UPDATE account SET status = status WHERE id = ? AND status <> 'REMOVED'",
                    ps -> ps.setString(1, accountId)) != 1) {
                throw new AccountGoneException(accountId);
            }
            int updated = Database.update(c, "UPDATE account_setting SET setting_value = ? WHERE account_id = ? AND name = ?", ps -> {
                ps.setString(1, value);
                ps.setString(2, accountId);
                ps.setString(3, name);
            });
            if (updated == 0) {
                Database.update(c, "INSERT INTO account_setting (account_id, name, setting_value) VALUES (?, ?, ?)", ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, name);
                    ps.setString(3, value);
                });
            }
            return null;
        });
    }

    @Override
    public boolean remove(String accountId, String name) {
        return db.update("DELETE FROM account_setting WHERE account_id = ? AND name = ?", ps -> {
            ps.setString(1, accountId);
            ps.setString(2, name);
        }) == 1;
    }
}
