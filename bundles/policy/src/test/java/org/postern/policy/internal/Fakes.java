package org.postern.policy.internal;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.postern.api.account.Account;
import org.postern.api.account.AccountService;
import org.postern.api.account.AccountStatus;
import org.postern.api.account.AddressResolver;
import org.postern.api.account.DomainService;
import org.postern.api.account.OwnedDomain;
import org.postern.api.account.Resolution;
import org.postern.api.address.MailAddress;
import org.postern.core.store.DuplicateKeyException;
import org.postern.core.store.PolicyRepository;

/**
 * In-memory stand-ins for the accounts and store bundles, resolving the way AccountManager does:
 * an address MailAddress cannot parse resolves to nothing.
 */
final class Fakes {
    static final String SERVICE_DOMAIN = "example.net";

    final Map<String, Account> accountsByAddress = new HashMap<>();
    final Map<String, Account> ownedDomains = new HashMap<>();
    final Repository repository = new Repository();

    Account account(String id, String address, String... owned) {
        Account a = new Account(id, MailAddress.parse(address), AccountStatus.ACTIVE, Instant.EPOCH, null);
        accountsByAddress.put(a.address().toString(), a);
        for (String d : owned) {
            ownedDomains.put(d, a);
        }
        return a;
    }

    PolicyEngine engine() {
        return engine(new PolicyCache(100));
    }

    PolicyEngine engine(PolicyCache cache) {
        return new PolicyEngine(domains(), resolver(), accounts(), repository, cache);
    }

    DomainService domains() {
        return proxy(DomainService.class, (m, args) -> switch (m) {
            case "isHosted" -> SERVICE_DOMAIN.equals(args[0]) || ownedDomains.containsKey((String) args[0]);
            default -> throw new UnsupportedOperationException(m);
        });
    }

    AddressResolver resolver() {
        return address -> {
            MailAddress a;
            try {
                a = MailAddress.parse(address);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            if (SERVICE_DOMAIN.equals(a.domain())) {
                return Optional.ofNullable(accountsByAddress.get(a.toString()))
                        .map(acc -> new Resolution(a, acc, Resolution.Kind.PRIMARY));
            }
            return Optional.ofNullable(ownedDomains.get(a.domain()))
                    .map(acc -> new Resolution(a, acc, Resolution.Kind.OWNED_DOMAIN));
        };
    }

    AccountService accounts() {
        return proxy(AccountService.class, (m, args) -> switch (m) {
            case "find" -> Optional.ofNullable(accountsByAddress.get(MailAddress.parse((String) args[0]).toString()));
            case "domains" -> ownedDomains.entrySet().stream()
                    .filter(e -> e.getValue().id().equals(args[0]))
                    .map(e -> new OwnedDomain(e.getKey(), OwnedDomain.Kind.CUSTOM, (String) args[0]))
                    .toList();
            default -> throw new UnsupportedOperationException(m);
        });
    }

    /** Counts the loads, so a test can tell a cache hit from a miss. */
    static final class Repository implements PolicyRepository {
        final Map<String, Set<String>> lists = new ConcurrentHashMap<>();
        final Map<String, String> modes = new ConcurrentHashMap<>();
        final AtomicInteger entryLoads = new AtomicInteger();
        /** Runs inside every entries() call: a test's hook into "the database is being read". */
        volatile Runnable duringLoad = () -> { };

        private Set<String> list(String accountId, ListKind list) {
            return lists.computeIfAbsent(accountId + "/" + list, k -> new ConcurrentSkipListSet<>());
        }

        /** Not synchronized: a load must not stop an edit, as in a database. */
        @Override
        public List<String> entries(String accountId, ListKind list) {
            entryLoads.incrementAndGet();
            duringLoad.run();
            return new ArrayList<>(list(accountId, list));
        }

        @Override
        public void addEntry(String accountId, ListKind list, String entry) {
            if (!list(accountId, list).add(entry)) {
                throw new DuplicateKeyException(entry, null);
            }
        }

        @Override
        public boolean removeEntry(String accountId, ListKind list, String entry) {
            return list(accountId, list).remove(entry);
        }

        @Override
        public String catchAllMode(String accountId) {
            return modes.get(accountId);
        }

        @Override
        public void setCatchAllMode(String accountId, String mode) {
            modes.put(accountId, mode);
        }
    }

    interface Handler {
        Object handle(String method, Object[] args);
    }

    @SuppressWarnings("unchecked")
    static <T> T proxy(Class<T> type, Handler h) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (p, m, a) -> h.handle(m.getName(), a));
    }
}
