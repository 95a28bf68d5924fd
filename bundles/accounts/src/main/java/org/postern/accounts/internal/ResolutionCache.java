package org.postern.accounts.internal;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Component;
import org.postern.api.account.Account;
import org.postern.core.store.ChangeListener;

/**
 * Accounts found for an address, as they were read: the MX resolves every RCPT, and reading it
 * cost an account query and a domain query each time. Keyed by the primary address, or by
 * {@code "@" + domain} for an owned domain (any local part there resolves to the owner: keyed
 * per address, every random local part a client sends would take an entry).
 *
 * <p>Only found accounts are kept. Whatever could make one wrong is an account change, which
 * the store announces ({@link ChangeListener#ACCOUNT}: status, lock, expiry, password, owned
 * domains, removal) on this node before the changing call returns and, with PostgreSQL, on every
 * other node through LISTEN/NOTIFY; any such change drops everything (they are rare beside
 * RCPTs, and an address's account is not known from the account id alone). An address that was
 * not found is asked again every time, since an account or owned domain may be added on any node
 * without an announcement. A load that overlaps a change is used for its own answer and not
 * kept, so a change is never hidden by a copy read before it. While the change feed is down
 * ({@link #hearing}(false)) nothing is kept.
 *
 * <p>A component of its own so the store's whiteboard reference to {@link ChangeListener}s does
 * not reach back into {@link AccountManager} (the pattern of the policy bundle's cache).
 */
@Component(service = {ResolutionCache.class, ChangeListener.class})
public class ResolutionCache implements ChangeListener {
    /** Beyond this many addresses everything is forgotten and read again. */
    static final int MAX_ADDRESSES = 100_000;

    private final Map<String, Account> found = new ConcurrentHashMap<>();
    /** Moves on every change; a load that saw it move is not kept. */
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean storing = true;

    /**
     * @param key a normalized primary address, or {@code "@"} and an owned domain; {@code loader}
     *            reads the account (outside any lock) on a miss
     */
    Optional<Account> get(String key, Supplier<Optional<Account>> loader) {
        Account known = found.get(key);
        if (known != null) {
            return Optional.of(known);
        }
        long seen = generation.get();
        Optional<Account> loaded = loader.get();
        if (loaded.isEmpty() || !storing || generation.get() != seen) {
            return loaded;
        }
        if (found.size() >= MAX_ADDRESSES) {
            found.clear();
        }
        found.put(key, loaded.get());
        if (generation.get() != seen) {
            // A change ran between the check and the put and may have missed this entry.
            found.remove(key, loaded.get());
        }
        return loaded;
    }

    @Override
    public void changed(String topic, String key) {
        if (ACCOUNT.equals(topic)) {
            resync();
        }
    }

    @Override
    public void resync() {
        generation.incrementAndGet();
        found.clear();
    }

    @Override
    public void hearing(boolean changesAreHeard) {
        storing = changesAreHeard;
        resync();
    }

    int size() {
        return found.size();
    }
}
