package org.postern.store.internal;

import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.postern.core.store.ChangeListener;
import org.postern.core.store.PolicyRepository;

@Component(service = PolicyRepository.class)
public class JdbcPolicyRepository implements PolicyRepository {
    private final Database db;

    @Activate
    public JdbcPolicyRepository(@Reference Database db) {
        this.db = db;
    }

    @Override
    public List<String> entries(String accountId, ListKind list) {
        return db.query("SELECT entry FROM policy_entry WHERE account_id = ? AND list_kind = ? ORDER BY entry", ps -> {
            ps.setString(1, accountId);
            ps.setString(2, list.name());
        }, rs -> rs.getString(1));
    }

    @Override
    public void addEntry(String accountId, ListKind list, String entry) {
        db.update("INSERT INTO policy_entry (account_id, list_kind, entry, created) VALUES (?, ?, ?, ?)", ps -> {
            ps.setString(1, accountId);
            ps.setString(2, list.name());
            ps.setString(3, entry);
            ps.setLong(4, System.currentTimeMillis());
        }, ChangeListener.POLICY, accountId);
    }

    @Override
    public boolean removeEntry(String accountId, ListKind list, String entry) {
        return db.update("DELETE FROM policy_entry WHERE account_id = ? AND list_kind = ? AND entry = ?", ps -> {
            ps.setString(1, accountId);
            ps.setString(2, list.name());
            ps.setString(3, entry);
        }, ChangeListener.POLICY, accountId) == 1;
    }

    @Override
    public String catchAllMode(String accountId) {
        return db.queryOne("SELECT catchall_mode FROM account_policy WHERE account_id = ?",
                ps -> ps.setString(1, accountId), rs -> rs.getString(1)).orElse(null);
    }

    @Override
    public void setCatchAllMode(String accountId, String mode) {
        db.transaction(c -> {
            int n = Database.update(c, "UPDATE account_policy SET catchall_mode = ? WHERE account_id = ?", ps -> {
                ps.setString(1, mode);
                ps.setString(2, accountId);
            });
            if (n == 0) {
                Database.update(c, "INSERT INTO account_policy (account_id, catchall_mode) VALUES (?, ?)", ps -> {
                    ps.setString(1, accountId);
                    ps.setString(2, mode);
                });
            }
            db.changed(c, ChangeListener.POLICY, accountId);
            return null;
        });
    }
}
