package org.postern.auth.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class FailureLimiterTest {
    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-12-02T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void theBudgetBlocksForTheBlockDurationThenFailuresCountAfresh() {
        MutableClock clock = new MutableClock();
        FailureLimiter l = new FailureLimiter(3, Duration.ofMinutes(15), Duration.ofMinutes(10), 100, clock);
        assertFalse(l.failure("k"));
        assertFalse(l.failure("k"));
        assertFalse(l.blocked("k"));
        assertTrue(l.failure("k"), "the third failure starts a block");
        assertTrue(l.blocked("k"));
        assertFalse(l.blocked("other"));
        clock.advance(Duration.ofMinutes(9));
        assertTrue(l.blocked("k"));
        clock.advance(Duration.ofMinutes(1));
        assertFalse(l.blocked("k"));
        assertFalse(l.failure("k"), "one failure after the block does not block again");
    }

    @Test
    void failuresSpreadOverTimeDrainAway() {
        MutableClock clock = new MutableClock();
        FailureLimiter l = new FailureLimiter(3, Duration.ofMinutes(15), Duration.ofMinutes(10), 100, clock);
        for (int i = 0; i < 20; i++) {
            assertFalse(l.failure("k"), "one failure every 10 minutes stays under 3 per 15 minutes");
            clock.advance(Duration.ofMinutes(10));
        }
        assertFalse(l.blocked("k"));
    }

    @Test
    void withoutABlockTheLevelOnlyCounts() {
        MutableClock clock = new MutableClock();
        FailureLimiter l = new FailureLimiter(5, 100, Duration.ofMinutes(15), Duration.ZERO, 100, clock);
        for (int i = 0; i < 12; i++) {
            assertFalse(l.failure("k"));
        }
        assertFalse(l.blocked("k"));
        assertEquals(12, l.recent("k"));
        clock.advance(Duration.ofMinutes(20));
        assertEquals(8, l.recent("k"), "a third of the previous window still overlaps");
        clock.advance(Duration.ofMinutes(10));
        assertEquals(0, l.recent("k"), "gone after two windows");
    }

    @Test
    void failuresSpreadOverTheWindowCountAsMuchAsABurst() {
        MutableClock clock = new MutableClock();
        FailureLimiter l = new FailureLimiter(10, Duration.ofMinutes(15), Duration.ofMinutes(15), 100, clock);
        for (int i = 0; i < 9; i++) {
            assertFalse(l.failure("k"));
            clock.advance(Duration.ofSeconds(90));
        }
        assertTrue(l.failure("k"), "ten failures in fifteen minutes, one every 90 seconds, block");
    }

    @Test
    void theLevelStopsAtItsMaximum() {
        MutableClock clock = new MutableClock();
        FailureLimiter l = new FailureLimiter(5, 8, Duration.ofMinutes(15), Duration.ZERO, 100, clock);
        for (int i = 0; i < 400; i++) {
            l.failure("k");
        }
        assertEquals(8, l.recent("k"));
    }

    @Test
    void memoryIsBoundedByForgettingTheLeastRecentlyUsed() {
        FailureLimiter l = new FailureLimiter(3, Duration.ofMinutes(15), Duration.ofMinutes(10), 100, new MutableClock());
        for (int i = 0; i < 10_000; i++) {
            l.failure("k" + i);
        }
        assertEquals(100, l.size());
    }

    @Test
    void aSuccessForgetsFailuresButNotABlock() {
        MutableClock clock = new MutableClock();
        FailureLimiter l = new FailureLimiter(3, Duration.ofMinutes(15), Duration.ofMinutes(10), 100, clock);
        l.failure("k");
        l.failure("k");
        l.forget("k");
        assertFalse(l.failure("k"));
        l.failure("k");
        l.failure("k");
        assertTrue(l.blocked("k"));
        l.forget("k");
        assertTrue(l.blocked("k"));
    }
}
