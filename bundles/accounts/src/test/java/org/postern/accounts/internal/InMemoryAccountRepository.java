package org.postern.accounts.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;
import org.postern.core.store.AccountRecord;
import org.postern.core.store.AccountRepository;
import org.postern.core.store.DuplicateKeyException;

/** AccountRepository in memory, behaving like JdbcAccountRepository (unique id and address, tombstones). */
class InMemoryAccountRepository implements AccountRepository {
    private final Map<String, AccountRecord> byId = new LinkedHashMap<>();
    private final InMemoryDomainRepository domains;

    InMemoryAccountRepository(InMemoryDomainRepository domains) {
        this.domains = domains;
    }

    @Override
    public synchronized void insert(AccountRecord account) {
        if (byId.containsKey(account.id()) || findByAddress(account.address()).isPresent()) {
            throw new DuplicateKeyException("account " + account.address() + " exists", null);
        }
        byId.put(account.id(), account);
    }

    @Override
    public synchronized Optional<AccountRecord> byAddress(MailAddress address) {
        return findByAddress(address);
    }

    private Optional<AccountRecord> findByAddress(MailAddress address) {
        return byId.values().stream().filter(r -> r.address().equals(address)).findFirst();
    }

    @Override
    public synchronized Optional<AccountRecord> byId(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    @Override
    public synchronized List<AccountRecord> list() {
        List<AccountRecord> out = new ArrayList<>(byId.values());
        out.sort(Comparator.comparing((AccountRecord r) -> r.address().domain())
                .thenComparing(r -> r.address().localPart()));
        return out;
    }

    @Override
    public synchronized boolean updatePasswordHash(String id, String passwordHash) {
        AccountRecord r = byId.get(id);
        if (r == null || r.status() == AccountStatus.REMOVED) {
            return false;
        }
        byId.put(id, new AccountRecord(id, r.address(), r.status(), passwordHash, r.created(), r.expires()));
        domains.announce(id);
        return true;
    }

    @Override
    public synchronized boolean updateStatus(String id, AccountStatus status) {
        AccountRecord r = byId.get(id);
        if (r == null) {
            return false;
        }
        byId.put(id, new AccountRecord(id, r.address(), status, r.passwordHash(), r.created(), r.expires()));
        domains.announce(id);
        return true;
    }

    @Override
    public synchronized boolean markRemoved(String id) {
        AccountRecord r = byId.get(id);
        if (r == null) {
            return false;
        }
        domains.releaseAll(id);
        byId.put(id, new AccountRecord(id, r.address(), AccountStatus.REMOVED, null, r.created(), r.expires()));
        domains.announce(id);
        return true;
    }

    @Override
    public synchronized boolean markRemovedIfExpired(String id, java.time.LocalDate expiredOnOrBefore) {
        AccountRecord r = byId.get(id);
        if (r == null || r.status() != AccountStatus.LOCKED || r.expires() == null || r.expires().isAfter(expiredOnOrBefore)) {
            return false;
        }
        return markRemoved(id);
    }
}
