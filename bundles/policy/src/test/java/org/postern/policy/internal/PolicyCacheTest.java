package org.postern.policy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.postern.api.account.Account;
import org.postern.api.policy.CatchAllMode;
import org.postern.api.policy.RecipientVerdict.Kind;
import org.postern.policy.internal.PolicyCache.Compiled;

/** Issue 6 item 4: the per-account cache is bounded, dropped on removal, and loads outside any lock. */
class PolicyCacheTest {
    private static final List<String> INNOCENT = List.of("mx.innocent.example.org");

    private static Compiled empty(String accountId) {
        return new Compiled(BlockList.compile(List.of()), CatchAllRules.compile(CatchAllMode.BLOCK, List.of()));
    }

    @Test
    void boundedAndLeastRecentlyUsedGoFirst() {
        AtomicLong tick = new AtomicLong();
        PolicyCache cache = new PolicyCache(10, tick::incrementAndGet);
        for (int i = 0; i < 10; i++) {
            cache.get("a" + i, PolicyCacheTest::empty);
        }
        cache.get("a0", id -> {
            throw new AssertionError("a0 is cached");
        });
        cache.get("a10", PolicyCacheTest::empty); // 11 > 10: down to 9, the two least recently used go
        assertEquals(9, cache.size());
        assertTrue(cache.isCached("a0"), "used recently");
        assertFalse(cache.isCached("a1"));
        assertFalse(cache.isCached("a2"));
        assertTrue(cache.isCached("a3"));
        assertTrue(cache.isCached("a10"));
        for (int i = 11; i < 1000; i++) {
            cache.get("a" + i, PolicyCacheTest::empty);
            assertTrue(cache.size() <= 10);
        }
    }

    @Test
    void engineCacheHoldsAtMostTheConfiguredNumberOfAccounts() {
        Fakes fakes = new Fakes();
        for (int i = 0; i < 50; i++) {
            fakes.account("acc-" + i, "user" + i + "@example.net");
        }
        PolicyCache cache = new PolicyCache(20);
        PolicyEngine engine = fakes.engine(cache);
        for (int i = 0; i < 50; i++) {
            assertEquals(Kind.ACCEPT, engine.decide("user" + i + "@example.net", "a@b.example", INNOCENT, false).kind());
            assertTrue(cache.size() <= 20, "size " + cache.size());
        }
    }

    @Test
    void removingTheAccountDropsItsLists() {
        Fakes fakes = new Fakes();
        Account alice = fakes.account("acc-alice", "alice@example.net");
        PolicyCache cache = new PolicyCache(100);
        PolicyEngine engine = fakes.engine(cache);
        engine.decide("alice@example.net", "a@b.example", INNOCENT, false);
        assertTrue(cache.isCached("acc-alice"));
        int loads = fakes.repository.entryLoads.get();
        engine.decide("alice@example.net", "a@b.example", INNOCENT, false);
        assertEquals(loads, fakes.repository.entryLoads.get(), "a warm decision reads nothing");

        cache.removed(alice); // AccountLifecycleListener, as the accounts bundle calls it
        assertFalse(cache.isCached("acc-alice"));
        engine.decide("alice@example.net", "a@b.example", INNOCENT, false);
        assertTrue(fakes.repository.entryLoads.get() > loads, "reloaded after removal");
    }

    @Test
    void aChangeAnnouncedByAnotherNodeIsEnforcedAtTheNextDecision() {
        Fakes fakes = new Fakes();
        fakes.account("acc-alice", "alice@example.net");
        PolicyCache cache = new PolicyCache(100);
        PolicyEngine engine = fakes.engine(cache);
        assertEquals(Kind.ACCEPT, engine.decide("alice@example.net", "spam@leaky.example", INNOCENT, false).kind());

        // Another node writes the entry to the shared database: this node's cache does not know yet.
        fakes.repository.addEntry("acc-alice", org.postern.core.store.PolicyRepository.ListKind.BLOCK,
                "spam@leaky.example");
        assertEquals(Kind.ACCEPT, engine.decide("alice@example.net", "spam@leaky.example", INNOCENT, false).kind(),
                "served from the cache until told");

        cache.changed(org.postern.core.store.ChangeListener.POLICY, "acc-alice"); // the feed hears NOTIFY
        assertEquals(Kind.USER_UNKNOWN, engine.decide("alice@example.net", "spam@leaky.example", INNOCENT, false).kind());
    }

    @Test
    void whileOtherNodesCannotBeHeardNothingIsCached() {
        PolicyCache cache = new PolicyCache(100);
        cache.get("a", PolicyCacheTest::empty);
        cache.hearing(false);
        assertEquals(0, cache.size(), "dropped when the feed went");
        cache.get("a", PolicyCacheTest::empty);
        assertFalse(cache.isCached("a"), "read through while deaf");
        cache.hearing(true);
        cache.get("a", PolicyCacheTest::empty);
        assertTrue(cache.isCached("a"), "cached again once the feed listens");
    }

    @Test
    void aResyncDropsEveryAccountsLists() {
        PolicyCache cache = new PolicyCache(100);
        cache.get("a", PolicyCacheTest::empty);
        cache.get("b", PolicyCacheTest::empty);
        cache.changed("a-topic-of-a-later-version", "a");
        assertTrue(cache.isCached("a"), "unknown topics are ignored");
        cache.resync();
        assertEquals(0, cache.size());
    }

    @Test
    void anUnknownRecipientLoadsNothing() {
        Fakes fakes = new Fakes();
        fakes.account("acc-alice", "alice@example.net");
        PolicyCache cache = new PolicyCache(100);
        assertEquals(Kind.USER_UNKNOWN, fakes.engine(cache).decide("bob@example.net", "a@b.example", INNOCENT, false).kind());
        assertEquals(0, fakes.repository.entryLoads.get());
        assertEquals(0, cache.size());
    }

    /**
     * The load used to run inside ConcurrentHashMap.computeIfAbsent, holding the map's bin: an
     * operator's edit of the same account (which drops the cached copy) waited for the whole
     * database read. Here the edit runs while the load is in progress and must finish first, and
     * the load, having overlapped a change, must not leave a stale copy behind.
     */
    @Test
    void anEditDuringALoadNeitherWaitsForItNorIsHiddenByIt() {
        Fakes fakes = new Fakes();
        fakes.account("acc-alice", "alice@example.net");
        PolicyCache cache = new PolicyCache(100);
        PolicyEngine engine = fakes.engine(cache);
        fakes.repository.duringLoad = () -> {
            fakes.repository.duringLoad = () -> { };
            try {
                CompletableFuture.runAsync(() -> engine.addBlockEntry("alice@example.net", "@evil.example"))
                        .get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("the edit waited for the load", e);
            }
        };
        assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> engine.decide("alice@example.net", "x@evil.example", INNOCENT, false));
        assertFalse(cache.isCached("acc-alice"), "a load that overlapped a change is not kept");
        assertEquals(Kind.USER_UNKNOWN, engine.decide("alice@example.net", "x@evil.example", INNOCENT, false).kind());
    }

    @Test
    void concurrentMissesOfOneAccountShareTheFirstStoredCopy() {
        PolicyCache cache = new PolicyCache(10);
        Compiled first = cache.get("a", PolicyCacheTest::empty);
        assertSame(first, cache.get("a", PolicyCacheTest::empty));
    }

    @Test
    void invalidConfigurationIsRefusedNamingThePid() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PolicyCache(config(0), Map.of("cache.accounts", "0")));
        assertEquals("invalid configuration org.postern.policy: cache.accounts = 0 is outside 1..10000000", e.getMessage());
    }

    @Test
    void defaultBoundIsTenThousandAccounts() throws NoSuchMethodException {
        assertEquals(10_000, PolicyConfig.class.getDeclaredMethod("cache_accounts").getDefaultValue());
    }

    private static PolicyConfig config(int accounts) {
        return new PolicyConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return PolicyConfig.class;
            }

            @Override
            public int cache_accounts() {
                return accounts;
            }
        };
    }
}
