package org.postern.accounts.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.postern.api.account.OwnedDomain;
import org.postern.core.store.DomainRepository;
import org.postern.core.store.DuplicateKeyException;

/** DomainRepository in memory, with the unique keys of the SQL schema. */
class InMemoryDomainRepository implements DomainRepository {
    /** Told of account changes as the store's ChangeListeners are (ACCOUNT, after the change). */
    final java.util.List<org.postern.core.store.ChangeListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    void announce(String accountId) {
        listeners.forEach(l -> l.changed(org.postern.core.store.ChangeListener.ACCOUNT, accountId));
    }

    private final TreeSet<String> serviceDomains = new TreeSet<>();
    private final Map<String, OwnedDomain> owned = new TreeMap<>();

    @Override
    public synchronized void insertServiceDomain(String name) {
        if (!serviceDomains.add(name)) {
            throw new DuplicateKeyException("service domain " + name + " exists", null);
        }
    }

    @Override
    public synchronized List<String> serviceDomains() {
        return List.copyOf(serviceDomains);
    }

    @Override
    public synchronized boolean isServiceDomain(String name) {
        return serviceDomains.contains(name);
    }

    @Override
    public synchronized void insertOwnedDomain(OwnedDomain domain) {
        if (owned.containsKey(domain.name())) {
            throw new DuplicateKeyException("owned domain " + domain.name() + " exists", null);
        }
        owned.put(domain.name(), domain);
        announce(domain.accountId());
    }

    @Override
    public synchronized Optional<OwnedDomain> ownedDomain(String name) {
        return Optional.ofNullable(owned.get(name));
    }

    @Override
    public synchronized List<OwnedDomain> ownedDomains(String accountId) {
        List<OwnedDomain> out = new ArrayList<>();
        for (OwnedDomain d : owned.values()) {
            if (d.accountId().equals(accountId)) {
                out.add(d);
            }
        }
        out.sort(Comparator.comparing(OwnedDomain::name));
        return out;
    }

    @Override
    public synchronized boolean deleteOwnedDomain(String accountId, String name) {
        OwnedDomain d = owned.get(name);
        if (d == null || !d.accountId().equals(accountId)) {
            return false;
        }
        owned.remove(name);
        announce(accountId);
        return true;
    }

    /** What markRemoved does to the owned_domain table. */
    synchronized void releaseAll(String accountId) {
        owned.values().removeIf(d -> d.accountId().equals(accountId));
    }
}
