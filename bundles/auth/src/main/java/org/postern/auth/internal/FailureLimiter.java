package org.postern.auth.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts failures per key over a sliding window (the current fixed window's count plus the
 * previous one's, weighted by how much of it still overlaps), so "10 in 15 minutes" means that,
 * whether they come in a burst or spread out. A key whose count reaches the budget is blocked for
 * {@code block} (with a zero block nothing is ever blocked: the count only feeds delays), and its
 * count starts afresh. Memory is bounded: past {@code maxKeys} the least recently touched key is
 * forgotten (a flood of distinct keys can only make the limiter forget, never grow).
 */
final class FailureLimiter {
    private final int budget;
    private final double maxLevel;
    private final long windowMillis;
    private final long blockMillis;
    private final Clock clock;
    private final Map<String, Bucket> buckets;

    private static final class Bucket {
        long window;
        double current;
        double previous;
        long blockedUntil;
    }

    FailureLimiter(int budget, Duration window, Duration block, int maxKeys, Clock clock) {
        this(budget, Math.max(1, budget), window, block, maxKeys, clock);
    }

    /**
     * @param maxLevel the highest a window's count goes: a burst of failures then stops counting
     *                 within two windows instead of weighing on the key for hours
     */
    FailureLimiter(int budget, double maxLevel, Duration window, Duration block, int maxKeys, Clock clock) {
        this.budget = Math.max(1, budget);
        this.maxLevel = Math.max(this.budget, maxLevel);
        this.windowMillis = Math.max(1, window.toMillis());
        this.blockMillis = block.toMillis();
        this.clock = clock;
        this.buckets = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                return size() > maxKeys;
            }
        };
    }

    synchronized boolean blocked(String key) {
        Bucket b = buckets.get(key);
        return b != null && clock.millis() < b.blockedUntil;
    }

    /** @return true when this failure started a block */
    synchronized boolean failure(String key) {
        long now = clock.millis();
        Bucket b = rolled(buckets.computeIfAbsent(key, k -> new Bucket()), now);
        b.current = Math.min(b.current + 1, maxLevel);
        if (blockMillis > 0 && level(b, now) >= budget && now >= b.blockedUntil) {
            b.blockedUntil = now + blockMillis;
            // Start the block's aftermath from nothing, or the next failure after the block
            // would block again at once.
            b.current = 0;
            b.previous = 0;
            return true;
        }
        return false;
    }

    /** Recent failures (the sliding count, rounded down), for delays. */
    synchronized int recent(String key) {
        Bucket b = buckets.get(key);
        if (b == null) {
            return 0;
        }
        long now = clock.millis();
        return (int) Math.floor(level(rolled(b, now), now) + 1e-9);
    }

    /**
     * Takes back one failure counted ahead of its outcome (the attempt succeeded), and the block
     * it started, if it started one.
     */
    synchronized void undo(String key, boolean startedBlock) {
        Bucket b = buckets.get(key);
        if (b == null) {
            return;
        }
        if (startedBlock) {
            b.blockedUntil = 0;
            b.current = budget - 1;
        } else if (b.current >= 1) {
            b.current -= 1;
        } else {
            b.previous = Math.max(0, b.previous - 1);
        }
    }

    synchronized void forget(String key) {
        Bucket b = buckets.get(key);
        if (b != null && clock.millis() >= b.blockedUntil) {
            buckets.remove(key);
        }
    }

    synchronized int size() {
        return buckets.size();
    }

    private Bucket rolled(Bucket b, long now) {
        long w = now / windowMillis;
        if (w != b.window) {
            b.previous = w == b.window + 1 ? b.current : 0;
            b.current = 0;
            b.window = w;
        }
        return b;
    }

    private double level(Bucket b, long now) {
        double elapsed = (double) (now - b.window * windowMillis) / windowMillis;
        return b.previous * (1 - elapsed) + b.current;
    }
}
