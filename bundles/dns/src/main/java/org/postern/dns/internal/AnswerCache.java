package org.postern.dns.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.postern.api.dns.DnsAnswer;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * Answers by question until their TTL runs out, within a memory budget: least recently used
 * first out. A hit reports the seconds left, not the TTL it was stored with. All methods are
 * short and synchronized.
 */
final class AnswerCache {
    /** One question; {@link Name#equals} ignores case, as DNS does. */
    record Question(Name name, int type) {
    }

    private record Entry(DnsAnswer<Record> answer, long expiresAt, long weight) {
    }

    private static final long ENTRY_OVERHEAD = 128;
    private static final long RECORD_OVERHEAD = 64;

    private final long budget;
    private final LinkedHashMap<Question, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long used;

    /** @param budget approximate bytes the cached answers may take; 0 caches nothing */
    AnswerCache(long budget) {
        this.budget = budget;
    }

    /** The cached answer with its remaining TTL, or null when there is none or it expired. */
    synchronized DnsAnswer<Record> get(Question q, long nanoNow) {
        Entry e = entries.get(q);
        if (e == null) {
            return null;
        }
        long left = e.expiresAt - nanoNow;
        if (left <= 0) {
            remove(q);
            return null;
        }
        DnsAnswer<Record> a = e.answer;
        return new DnsAnswer<>(a.status(), a.records(), a.authenticated(), TimeUnit.NANOSECONDS.toSeconds(left));
    }

    /**
     * Keeps an answer for its {@link DnsAnswer#ttlSeconds()}. Failures, answers with TTL 0 and
     * answers larger than an eighth of the budget are not kept.
     */
    synchronized void put(Question q, DnsAnswer<Record> answer, long nanoNow) {
        if (answer.ttlSeconds() <= 0 || answer.isTemporaryFailure() || budget == 0) {
            return;
        }
        long weight = weight(q, answer);
        if (weight > budget / 8) {
            return;
        }
        remove(q);
        entries.put(q, new Entry(answer, nanoNow + TimeUnit.SECONDS.toNanos(answer.ttlSeconds()), weight));
        used += weight;
        Iterator<Map.Entry<Question, Entry>> eldest = entries.entrySet().iterator();
        while (used > budget && eldest.hasNext()) {
            used -= eldest.next().getValue().weight;
            eldest.remove();
        }
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized long used() {
        return used;
    }

    synchronized void clear() {
        entries.clear();
        used = 0;
    }

    private void remove(Question q) {
        Entry old = entries.remove(q);
        if (old != null) {
            used -= old.weight;
        }
    }

    /** Wire size of the data plus a rough allowance for the Java objects around it. */
    static long weight(Question q, DnsAnswer<Record> answer) {
        long w = ENTRY_OVERHEAD + q.name().length();
        for (Record r : answer.records()) {
            w += RECORD_OVERHEAD + r.getName().length() + r.rdataToWireCanonical().length;
        }
        return w;
    }
}
