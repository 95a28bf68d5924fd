package org.postern.auth.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts failures per key in a leaky bucket: each failure adds one, the level drains at
 * {@code budget} per {@code window}. A key whose level reaches the budget is blocked for
 * {@code block} (with a zero block nothing is ever blocked: the level only feeds delays). Memory is bounded: past {@code maxKeys} the least recently touched key is
 * forgotten (a flood of distinct keys can only make the limiter forget, never grow).
 */
final class FailureLimiter {
    private final int budget;
    private final double drainPerMilli;
    private final long blockMillis;
    private final Clock clock;
    private final Map<String, Bucket> buckets;

    private static final class Bucket {
        double level;
        long updated;
        long blockedUntil;
    }

    FailureLimiter(int budget, Duration window, Duration block, int maxKeys, Clock clock) {
        this.budget = Math.max(1, budget);
        this.drainPerMilli = (double) this.budget / Math.max(1, window.toMillis());
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
        Bucket b = drained(key, now);
        b.level = Math.min(b.level + 1, 64.0 * budget);
        if (blockMillis > 0 && b.level >= budget && now >= b.blockedUntil) {
            b.blockedUntil = now + blockMillis;
            // Start the block's aftermath from an empty bucket, or the next failure after the
            // block would block again at once.
            b.level = 0;
            return true;
        }
        return false;
    }

    /** Recent failures (drained), for delays. */
    synchronized int recent(String key) {
        Bucket b = buckets.get(key);
        if (b == null) {
            return 0;
        }
        long now = clock.millis();
        return (int) Math.max(0, b.level - (now - b.updated) * drainPerMilli);
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

    private Bucket drained(String key, long now) {
        Bucket b = buckets.computeIfAbsent(key, k -> new Bucket());
        if (b.updated != 0) {
            b.level = Math.max(0, b.level - (now - b.updated) * drainPerMilli);
        }
        b.updated = now;
        return b;
    }
}
