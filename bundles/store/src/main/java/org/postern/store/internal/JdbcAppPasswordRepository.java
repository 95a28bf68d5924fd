package org.postern.store.internal;

import java.sql.Date;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.postern.api.auth.Protocol;
import org.postern.api.mail.AccountGoneException;
import org.postern.core.store.AppPasswordRecord;
import org.postern.core.store.AppPasswordRepository;
import org.postern.core.store.ChangeListener;

@Component(service = AppPasswordRepository.class)
public class JdbcAppPasswordRepository implements AppPasswordRepository {
    private static final String COLUMNS =
            "id, account_id, name, secret_hash, key_id, protocols, networks, expires, created, last_used";

    private final Database db;

    @Activate
    public JdbcAppPasswordRepository(@Reference Database db) {
        this.db = db;
    }

    /**
     * Row-locks the account first, like a folder being created: a concurrent markRemoved either
     * waits and deletes this row with the rest, or has committed and the insert is refused.
     */
    @Override
    public void insert(AppPasswordRecord r) {
        db.transaction(c -> {
            if (Database.update(c, "UPDATE account SET status = status WHERE id = ? AND status <> 'REMOVED'",
                    ps -> ps.setString(1, r.accountId())) != 1) {
                throw new AccountGoneException(r.accountId());
            }
            Database.update(c, "INSERT INTO app_password (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ps -> {
                        ps.setString(1, r.id());
                        ps.setString(2, r.accountId());
                        ps.setString(3, r.name());
                        ps.setString(4, r.secretHash());
                        ps.setString(5, r.keyId());
                        ps.setString(6, r.protocols().stream().sorted().map(Enum::name).collect(Collectors.joining(",")));
                        ps.setString(7, String.join(",", r.networks()));
                        if (r.expires() == null) {
                            ps.setNull(8, Types.DATE);
                        } else {
                            ps.setDate(8, Date.valueOf(r.expires()));
                        }
                        ps.setLong(9, r.created().toEpochMilli());
                        if (r.lastUsed() == null) {
                            ps.setNull(10, Types.BIGINT);
                        } else {
                            ps.setLong(10, r.lastUsed().toEpochMilli());
                        }
                    });
            db.changed(c, ChangeListener.ACCOUNT, r.accountId());
            return null;
        });
    }

    @Override
    public Optional<AppPasswordRecord> bySecretHash(String secretHash) {
        return db.queryOne("SELECT " + COLUMNS + " FROM app_password WHERE secret_hash = ?",
                ps -> ps.setString(1, secretHash), JdbcAppPasswordRepository::map);
    }

    @Override
    public Optional<AppPasswordRecord> byId(String id) {
        return db.queryOne("SELECT " + COLUMNS + " FROM app_password WHERE id = ?", ps -> ps.setString(1, id),
                JdbcAppPasswordRepository::map);
    }

    @Override
    public List<AppPasswordRecord> byAccount(String accountId) {
        return db.query("SELECT " + COLUMNS + " FROM app_password WHERE account_id = ? ORDER BY name",
                ps -> ps.setString(1, accountId), JdbcAppPasswordRepository::map);
    }

    @Override
    public boolean hasAny(String accountId) {
        return !db.query("SELECT id FROM app_password WHERE account_id = ? FETCH FIRST 1 ROWS ONLY",
                ps -> ps.setString(1, accountId), rs -> rs.getString(1)).isEmpty();
    }

    @Override
    public boolean delete(String accountId, String name) {
        return db.update("DELETE FROM app_password WHERE account_id = ? AND name = ?", ps -> {
            ps.setString(1, accountId);
            ps.setString(2, name);
        }, ChangeListener.ACCOUNT, accountId) == 1;
    }

    @Override
    public void recordUse(String id, Instant when) {
        db.update("UPDATE app_password SET last_used = ? WHERE id = ? AND (last_used IS NULL OR last_used < ?)", ps -> {
            ps.setLong(1, when.toEpochMilli());
            ps.setString(2, id);
            ps.setLong(3, when.toEpochMilli());
        });
    }

    @Override
    public long countMadeWithOtherKey(String keyId) {
        return db.query("SELECT COUNT(*) FROM app_password WHERE key_id <> ?", ps -> ps.setString(1, keyId),
                rs -> rs.getLong(1)).get(0);
    }

    private static AppPasswordRecord map(ResultSet rs) throws SQLException {
        Set<Protocol> protocols = EnumSet.noneOf(Protocol.class);
        for (String p : rs.getString(6).split(",")) {
            // A scope this version does not know (written by a newer node) opens nothing here.
            for (Protocol known : Protocol.values()) {
                if (known.name().equals(p)) {
                    protocols.add(known);
                }
            }
        }
        String networks = rs.getString(7);
        List<String> nets = networks.isEmpty() ? List.of() : Arrays.asList(networks.split(","));
        Date expires = rs.getDate(8);
        long lastUsed = rs.getLong(10);
        Instant used = rs.wasNull() ? null : Instant.ofEpochMilli(lastUsed);
        return new AppPasswordRecord(rs.getString(1).trim(), rs.getString(2).trim(), rs.getString(3),
                rs.getString(4).trim(), rs.getString(5).trim(), protocols, nets,
                expires == null ? null : expires.toLocalDate(), Instant.ofEpochMilli(rs.getLong(9)), used);
    }
}
