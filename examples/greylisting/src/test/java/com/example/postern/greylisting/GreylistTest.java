package com.example.postern.greylisting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class GreylistTest {
    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
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

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private final ManualClock clock = new ManualClock();
    private final Greylist greylist = new Greylist(Duration.ofMinutes(5), Duration.ofHours(36), 100, clock);

    @Test
    void firstSeenIsDeferredAndARetryAfterTheDelayPasses() {
        assertFalse(greylist.pass("192.0.2.1", "a@x.example", "alice@example.net"));
        clock.advance(Duration.ofMinutes(1));
        assertFalse(greylist.pass("192.0.2.1", "a@x.example", "alice@example.net"), "too early");
        clock.advance(Duration.ofMinutes(4));
        assertTrue(greylist.pass("192.0.2.1", "a@x.example", "alice@example.net"));
        clock.advance(Duration.ofHours(30));
        assertTrue(greylist.pass("192.0.2.1", "a@x.example", "alice@example.net"), "remembered while in use");
    }

    @Test
    void eachPartOfTheTripleCounts() {
        greylist.pass("192.0.2.1", "a@x.example", "alice@example.net");
        clock.advance(Duration.ofMinutes(10));
        assertFalse(greylist.pass("192.0.2.2", "a@x.example", "alice@example.net"));
        assertFalse(greylist.pass("192.0.2.1", "b@x.example", "alice@example.net"));
        assertFalse(greylist.pass("192.0.2.1", "a@x.example", "bob@example.net"));
        assertTrue(greylist.pass("192.0.2.1", "A@X.example", "Alice@example.net"), "case does not matter");
    }

    @Test
    void forgottenAfterTheExpiry() {
        greylist.pass("192.0.2.1", "a@x.example", "alice@example.net");
        clock.advance(Duration.ofMinutes(6));
        assertTrue(greylist.pass("192.0.2.1", "a@x.example", "alice@example.net"));
        clock.advance(Duration.ofHours(37));
        assertFalse(greylist.pass("192.0.2.1", "a@x.example", "alice@example.net"), "starts over");
    }

    @Test
    void memoryIsBoundedOldestFirst() {
        Greylist small = new Greylist(Duration.ofMinutes(5), Duration.ofHours(36), 3, clock);
        for (int i = 0; i < 10; i++) {
            small.pass("192.0.2." + i, "a@x.example", "alice@example.net");
        }
        assertEquals(3, small.size());
        clock.advance(Duration.ofMinutes(10));
        assertTrue(small.pass("192.0.2.9", "a@x.example", "alice@example.net"), "the newest is kept");
        assertFalse(small.pass("192.0.2.0", "a@x.example", "alice@example.net"), "the oldest was dropped");
    }
}
