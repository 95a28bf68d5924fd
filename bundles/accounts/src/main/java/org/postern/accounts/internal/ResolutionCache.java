package org.postern.accounts.internal;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Component;
import org.postern.api.account.Resolution;
import org.postern.core.store.ChangeListener;

/**
 * Addresses found to belong to an account, with that account as it was read: the MX asks for
 * every RCPT, and reading it cost an account query and a domain query each time.
 *
 * <p>Only found addresses are kept. Whatever could make one wrong is an account change, which
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

    private final Map<String, Resolution> found = new ConcurrentHashMap<>();
    /** Moves on every change; a load that saw it move is not kept. */
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean storing = true;

    /** @param address the normalized address; {@code loader} reads it (outside any lock) on a miss */
    Optional<Resolution> get(String address, Supplier<Optional<Resolution>> loader) {
        Resolution known = found.get(address);
        if (known != null) {
            return Optional.of(known);
        }
        long seen = generation.get();
        Optional<Resolution> loaded = loader.get();
        if (loaded.isEmpty() || !storing || generation.get() != seen) {
            return loaded;
        }
        if (found.size() >= MAX_ADDRESSES) {
            found.clear();
        }
        found.put(address, loaded.get());
        if (generation.get() != seen) {
            // A change ran between the check and the put and may have missed this entry.
            found.remove(address, loaded.get());
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
