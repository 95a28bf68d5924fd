package org.postern.policy.internal;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.account.Account;
import org.postern.api.account.AccountLifecycleListener;
import org.postern.core.config.ConfigCheck;
import org.postern.core.store.ChangeListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each account's compiled lists, at most {@code cache.accounts} of them; past that the least
 * recently used tenth goes. Dropped when the lists change ({@link #invalidate}) and when the
 * account is removed, on this node or, through the store's {@link ChangeListener}s (LISTEN/NOTIFY
 * with PostgreSQL), on another node of the same database.
 *
 * <p>Loading reads the database and compiles up to 100,000 entries, so it runs outside every
 * lock and outside {@link ConcurrentHashMap#computeIfAbsent}: a slow load holds no map bin and no
 * other account's decision. Two threads missing the same account at once may both load; the
 * first to store wins. A load that overlaps an invalidation is used for its own decision and not
 * stored, so a change is never hidden by a stale copy.
 *
 * <p>A component of its own, not part of {@link PolicyEngine}, so that the accounts bundle's
 * listener reference does not loop back through the engine's reference to the accounts service.
 */
@Component(service = {PolicyCache.class, AccountLifecycleListener.class, ChangeListener.class},
        configurationPid = PolicyConfig.PID)
@Designate(ocd = PolicyConfig.class)
public class PolicyCache implements AccountLifecycleListener, ChangeListener {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyCache.class);

    /** What one account's lists compile to. */
    static final class Compiled {
        final BlockList blockList;
        final CatchAllRules catchAll;

        Compiled(BlockList blockList, CatchAllRules catchAll) {
            this.blockList = blockList;
            this.catchAll = catchAll;
        }
    }

    private static final class Slot {
        final Compiled value;
        volatile long lastUsed;

        Slot(Compiled value, long now) {
            this.value = value;
            this.lastUsed = now;
        }
    }

    private final int maxAccounts;
    private final LongSupplier clock;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    /** Moves on every invalidation; a load that saw it move is not stored. */
    private final AtomicLong generation = new AtomicLong();
    private final ReentrantLock evicting = new ReentrantLock();
    /** False while the change feed is down: decisions read the database, nothing is kept. */
    private volatile boolean storing = true;

    @Activate
    public PolicyCache(PolicyConfig config, Map<String, Object> properties) {
        this(checked(config, properties));
    }

    PolicyCache(int maxAccounts) {
        this(maxAccounts, System::nanoTime);
    }

    /** @param clock monotonic, for the least-recently-used order */
    PolicyCache(int maxAccounts, LongSupplier clock) {
        if (maxAccounts < 1) {
            throw new IllegalArgumentException("cache.accounts must be at least 1");
        }
        this.maxAccounts = maxAccounts;
        this.clock = clock;
    }

    private static int checked(PolicyConfig config, Map<String, Object> properties) {
        try {
            ConfigCheck.of(PolicyConfig.PID, properties).isLong("cache.accounts", 1, 10_000_000).throwIfInvalid();
        } catch (IllegalArgumentException e) {
            LOG.error("Postern policy not started: {}", e.getMessage());
            throw e;
        }
        return config.cache_accounts();
    }

    /** The account's compiled lists, loaded by {@code loader} (outside any lock) on a miss. */
    Compiled get(String accountId, Function<String, Compiled> loader) {
        if (!storing) {
            return loader.apply(accountId);
        }
        Slot slot = slots.get(accountId);
        if (slot != null) {
            slot.lastUsed = clock.getAsLong();
            return slot.value;
        }
        long seen = generation.get();
        Compiled loaded = loader.apply(accountId);
        if (generation.get() != seen) {
            return loaded;
        }
        Slot mine = new Slot(loaded, clock.getAsLong());
        Slot theirs = slots.putIfAbsent(accountId, mine);
        if (theirs != null) {
            return theirs.value;
        }
        if (generation.get() != seen) {
            // An invalidation ran between the check and the put and may have missed our slot.
            slots.remove(accountId, mine);
        } else if (slots.size() > maxAccounts) {
            evict();
        }
        return loaded;
    }

    /** Drops the account's compiled lists; the next decision reloads them. */
    void invalidate(String accountId) {
        generation.incrementAndGet();
        slots.remove(accountId);
    }

    @Override
    public void removed(Account account) {
        invalidate(account.id());
    }

    /** A change committed here or on another node: the account's lists or the account itself. */
    @Override
    public void changed(String topic, String key) {
        if (POLICY.equals(topic) || ACCOUNT.equals(topic)) {
            invalidate(key);
        }
    }

    /** Changes may have been missed: every account's lists are read again. */
    @Override
    public void resync() {
        generation.incrementAndGet();
        slots.clear();
    }

    /** The feed lost its connection (false) or listens again (true). */
    @Override
    public void hearing(boolean changesAreHeard) {
        storing = changesAreHeard;
        resync();
    }

    int size() {
        return slots.size();
    }

    boolean isCached(String accountId) {
        return slots.containsKey(accountId);
    }

    /**
     * Down to 90 % of the bound, least recently used first. One scan and sort per tenth of the
     * bound filled, done by whichever loader gets there; the others do not wait.
     */
    private void evict() {
        if (!evicting.tryLock()) {
            return;
        }
        try {
            int excess = slots.size() - maxAccounts;
            if (excess <= 0) {
                return;
            }
            int toRemove = excess + maxAccounts / 10;
            long[] ages = slots.values().stream().mapToLong(s -> s.lastUsed).toArray();
            Arrays.sort(ages);
            long cutoff = ages[Math.min(toRemove, ages.length) - 1];
            for (Map.Entry<String, Slot> e : slots.entrySet()) {
                if (toRemove == 0) {
                    break;
                }
                if (e.getValue().lastUsed <= cutoff && slots.remove(e.getKey(), e.getValue())) {
                    toRemove--;
                }
            }
        } finally {
            evicting.unlock();
        }
    }
}
