package org.postern.store.internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.postern.core.store.ChangeListener;
import org.postern.api.account.OwnedDomain;
import org.postern.core.store.DomainRepository;

@Component(service = DomainRepository.class)
public class JdbcDomainRepository implements DomainRepository {
    private final Database db;

    @Activate
    public JdbcDomainRepository(@Reference Database db) {
        this.db = db;
    }

    @Override
    public void insertServiceDomain(String name) {
        db.update("INSERT INTO service_domain (name, created) VALUES (?, ?)", ps -> {
            ps.setString(1, name);
            ps.setLong(2, System.currentTimeMillis());
        });
    }

    @Override
    public List<String> serviceDomains() {
        return db.query("SELECT name FROM service_domain ORDER BY name", ps -> { }, rs -> rs.getString(1));
    }

    @Override
    public boolean isServiceDomain(String name) {
        return db.queryOne("SELECT name FROM service_domain WHERE name = ?", ps -> ps.setString(1, name),
                rs -> rs.getString(1)).isPresent();
    }

    @Override
    public void insertOwnedDomain(OwnedDomain d) {
        db.update("INSERT INTO owned_domain (name, account_id, kind, created) VALUES (?, ?, ?, ?)", ps -> {
            ps.setString(1, d.name());
            ps.setString(2, d.accountId());
            ps.setString(3, d.kind().name());
            ps.setLong(4, System.currentTimeMillis());
        }, ChangeListener.ACCOUNT, d.accountId());
    }

    @Override
    public Optional<OwnedDomain> ownedDomain(String name) {
        return db.queryOne("SELECT name, kind, account_id FROM owned_domain WHERE name = ?",
                ps -> ps.setString(1, name), JdbcDomainRepository::map);
    }

    @Override
    public List<OwnedDomain> ownedDomains(String accountId) {
        return db.query("SELECT name, kind, account_id FROM owned_domain WHERE account_id = ? ORDER BY name",
                ps -> ps.setString(1, accountId), JdbcDomainRepository::map);
    }

    @Override
    public boolean deleteOwnedDomain(String accountId, String name) {
        return db.update("DELETE FROM owned_domain WHERE account_id = ? AND name = ?", ps -> {
            ps.setString(1, accountId);
            ps.setString(2, name);
        }, ChangeListener.ACCOUNT, accountId) == 1;
    }

    private static OwnedDomain map(ResultSet rs) throws SQLException {
        return new OwnedDomain(rs.getString(1), OwnedDomain.Kind.valueOf(rs.getString(2)), rs.getString(3).trim());
    }
}
