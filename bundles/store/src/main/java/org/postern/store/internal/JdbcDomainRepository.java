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

    /** Beyond this many names the remembered service domains are forgotten and read again. */
    static final int KNOWN_SERVICE_DOMAINS = 10_000;
    /**
     * Names found to be service domains. Only found ones: a service domain is never removed (every
     * account row refers to its domain, and no command deletes one), so a yes stays true for good,
     * on every node, while a no may become a yes on any node at any time and is always asked
     * again. Saves two queries per RCPT on the MX (the domain is asked by the policy and by the
     * address resolution).
     */
    private final java.util.Set<String> knownServiceDomains = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public boolean isServiceDomain(String name) {
        if (knownServiceDomains.contains(name)) {
            return true;
        }
        boolean found = db.queryOne("SELECT name FROM service_domain WHERE name = ?", ps -> ps.setString(1, name),
                rs -> rs.getString(1)).isPresent();
        if (found) {
            if (knownServiceDomains.size() >= KNOWN_SERVICE_DOMAINS) {
                knownServiceDomains.clear();
            }
            knownServiceDomains.add(name);
        }
        return found;
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
