package org.postern.smtp.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.postern.api.mail.Mailboxes;

/**
 * The RCPT quota check's answers of the last second, for accounts far from their limit. The
 * check is a soft limit already (a message without SIZE may overrun it), and it was a twentieth
 * of the MX's CPU at one client: one database read per recipient, most of them for accounts
 * nowhere near full. So an account with no limit, or with at least a tenth of its limit and
 * 1 MiB left, is answered from its last reading for up to a second; one closer to its limit, or
 * over it, is read every time. The cost: a mailbox may take up to a second's deliveries past
 * the point where it had only a tenth left before RCPT starts answering 452, and a limit
 * changed by the operator applies a second later. Its own deliveries do not drop a reading:
 * that is the point (a busy account is read once a second, not at every RCPT). The newest
 * reading wins, also when it is not roomy: an older, slower read cannot put back a roomy figure
 * that a newer one has found out of date. Bounded: past {@link #MAX} accounts the readings older
 * than a second go, and everything if that is not enough.
 */
final class RecentQuotas {
    static final long FRESH_NANOS = 1_000_000_000L;
    static final long MIN_ROOM = 1024L * 1024;
    static final int MAX = 10_000;

    private record Reading(Mailboxes.QuotaUsage usage, long at, boolean roomy) {
    }

    private final ConcurrentHashMap<String, Reading> readings = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;

    RecentQuotas() {
        this(System::nanoTime);
    }

    RecentQuotas(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** The account's usage and limit, from the last second's reading when it was roomy. */
    Mailboxes.QuotaUsage quota(Mailboxes boxes, String accountId) {
        long now = nanoClock.getAsLong();
        Reading r = readings.get(accountId);
        if (r != null && r.roomy() && now - r.at() < FRESH_NANOS) {
            return r.usage();
        }
        Mailboxes.QuotaUsage q = boxes.quota(accountId);
        if (readings.size() >= MAX) {
            readings.values().removeIf(old -> now - old.at() >= FRESH_NANOS);
            if (readings.size() >= MAX) {
                readings.clear();
            }
        }
        readings.merge(accountId, new Reading(q, now, roomy(q)), (old, fresh) -> old.at() - fresh.at() > 0 ? old : fresh);
        return q;
    }

    static boolean roomy(Mailboxes.QuotaUsage q) {
        if (q.limit() <= 0) {
            return true;
        }
        long room = q.limit() - q.used();
        return room >= MIN_ROOM && room >= q.limit() / 10;
    }
}
