package org.postern.auth.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.postern.core.store.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logins sessions hold, by account, and their revalidation. Revalidation has a thread of its
 * own and a set of accounts to check (so a flood of logins can neither delay nor drop it, and
 * many announcements for one account cost one check).
 */
final class LiveLogins {
    private static final Logger LOG = LoggerFactory.getLogger(LiveLogins.class);

    interface Validator {
        /** @throws StoreUnavailableException when it cannot tell now */
        boolean stillValid(LiveLogin login);
    }

    private final Map<String, Set<LiveLogin>> live = new ConcurrentHashMap<>();
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final ExecutorService revalidator;
    private final Validator validator;
    private volatile boolean stopped;

    LiveLogins(Validator validator) {
        this.validator = validator;
        this.revalidator = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "postern-auth-revalidate");
            t.setDaemon(true);
            return t;
        });
    }

    /** Registers a login atomically with respect to closes and revalidations of the same account. */
    void register(LiveLogin login) {
        live.compute(login.accountId(), (id, set) -> {
            Set<LiveLogin> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            s.add(login);
            return s;
        });
        if (stopped) {
            forget(login);
            login.revoke();
        }
    }

    void forget(LiveLogin login) {
        live.computeIfPresent(login.accountId(), (id, set) -> {
            set.remove(login);
            return set.isEmpty() ? null : set;
        });
    }

    boolean watches(String accountId) {
        return live.containsKey(accountId);
    }

    int size() {
        return live.values().stream().mapToInt(Set::size).sum();
    }

    void revalidate(String accountId) {
        dirty.add(accountId);
        schedule();
    }

    void revalidateAll() {
        dirty.addAll(live.keySet());
        schedule();
    }

    private void schedule() {
        if (!stopped && drainScheduled.compareAndSet(false, true)) {
            try {
                revalidator.execute(this::drain);
            } catch (RejectedExecutionException stopping) {
                drainScheduled.set(false);
            }
        }
    }

    private void drain() {
        drainScheduled.set(false);
        for (String accountId : List.copyOf(dirty)) {
            dirty.remove(accountId);
            check(accountId);
        }
    }

    private void check(String accountId) {
        Set<LiveLogin> logins = live.get(accountId);
        if (logins == null) {
            return;
        }
        for (LiveLogin login : List.copyOf(logins)) {
            boolean valid;
            try {
                valid = validator.stillValid(login);
            } catch (StoreUnavailableException e) {
                // Cannot tell now: keep the session; the periodic revalidation asks again.
                return;
            } catch (RuntimeException e) {
                LOG.warn("Postern auth: could not revalidate the logins of account {}: {}", accountId, e.toString());
                return;
            }
            if (!valid) {
                LOG.info("Postern auth: a {} session of account {} ends: its login is no longer valid",
                        login.protocol(), accountId);
                forget(login);
                login.revoke();
            }
        }
    }

    /** Every login is revoked: nobody would be left to revoke them later. */
    void stop() {
        stopped = true;
        revalidator.shutdownNow();
        List<LiveLogin> all = new ArrayList<>();
        live.values().forEach(all::addAll);
        live.clear();
        all.forEach(LiveLogin::revoke);
    }
}
