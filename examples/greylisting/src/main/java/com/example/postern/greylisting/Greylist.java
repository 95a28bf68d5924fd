package com.example.postern.greylisting;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The greylisting rule without any OSGi: a (client IP, sender, recipient) triple seen for the
 * first time is told to come back later; once the delay has passed, a retry passes and the triple
 * stays passed until it is forgotten.
 */
final class Greylist {
    private static final class Entry {
        final Instant firstSeen;
        Instant lastSeen;

        Entry(Instant now) {
            this.firstSeen = now;
            this.lastSeen = now;
        }
    }

    private final Duration delay;
    private final Duration expiry;
    private final int maxEntries;
    private final Clock clock;
    /** Insertion-ordered, so the oldest entries are the first to drop when full. */
    private final LinkedHashMap<String, Entry> seen = new LinkedHashMap<>();

    Greylist(Duration delay, Duration expiry, int maxEntries, Clock clock) {
        this.delay = delay;
        this.expiry = expiry;
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    /** @return true when the triple may pass now */
    synchronized boolean pass(String clientIp, String sender, String recipient) {
        Instant now = clock.instant();
        String key = clientIp + '\u0000' + sender.toLowerCase() + '\u0000' + recipient.toLowerCase();
        Entry e = seen.get(key);
        if (e == null || e.lastSeen.plus(expiry).isBefore(now)) {
            seen.remove(key);
            seen.put(key, new Entry(now));
            trim();
            return false;
        }
        e.lastSeen = now;
        return !e.firstSeen.plus(delay).isAfter(now);
    }

    private void trim() {
        Iterator<Map.Entry<String, Entry>> it = seen.entrySet().iterator();
        while (seen.size() > maxEntries && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    synchronized int size() {
        return seen.size();
    }
}
