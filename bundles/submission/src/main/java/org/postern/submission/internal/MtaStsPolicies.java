package org.postern.submission.internal;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MTA-STS policy (RFC 8461 §5) that applies to mail for a domain now: the {@code _mta-sts}
 * TXT record says whether the domain has one and which ({@code id}); the policy itself is fetched
 * over HTTPS with a verified certificate through a {@link Fetcher} and kept for its
 * {@code max_age}. A cached policy outlives a missing or unreadable TXT record and a failed
 * refresh until it expires, so an attacker who blocks DNS or HTTPS after the first fetch cannot
 * downgrade delivery to clear text; a policy in use is refreshed daily ({@link #REFRESH_AFTER}), so
 * it does not expire while mail goes to the domain. A fetch that failed is not retried for {@link #FAILED_FETCH_PAUSE}
 * (every queued message of a domain would otherwise cost an HTTPS connection).
 *
 * <p>The cache is in memory, per node, bounded to {@code maxEntries} domains (least recently
 * used go first); after a restart policies are fetched again (RFC 8461 §5.1 recommends keeping
 * them on disk: not done).
 */
final class MtaStsPolicies {
    private static final Logger LOG = LoggerFactory.getLogger(MtaStsPolicies.class);
    static final Duration FAILED_FETCH_PAUSE = Duration.ofMinutes(5);
    /**
     * A policy in use is fetched again when it is this old, whatever the TXT record says (RFC
     * 8461 §3.3: refresh cached policies before they expire, about once a day). Without it every
     * policy expired max_age after its first fetch, at a time an attacker could work out, and
     * whoever then forged the TXT record away or blocked the fetch had the domain's mail sent as
     * without MTA-STS.
     */
    static final Duration REFRESH_AFTER = Duration.ofDays(1);

    /** Reads {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}; tests replace it. */
    interface Fetcher {
        /** The policy body; an exception for anything but a 200 text/plain answer over verified TLS. */
        String fetch(String domain) throws IOException;
    }

    private record Cached(String id, MtaSts.Policy policy, Instant expires, Instant fetched) {
    }

    private final Supplier<DnsResolver> dns;
    private final Fetcher fetcher;
    private final Clock clock;
    private final long dnsTimeoutMillis;
    private final int maxEntries;
    private final Map<String, Cached> policies;
    private final Map<String, Instant> failedUntil;

    MtaStsPolicies(Supplier<DnsResolver> dns, Fetcher fetcher, Clock clock, long dnsTimeoutMillis, int maxEntries) {
        this.dns = dns;
        this.fetcher = fetcher;
        this.clock = clock;
        this.dnsTimeoutMillis = dnsTimeoutMillis;
        this.maxEntries = Math.max(1, maxEntries);
        this.policies = lru(this.maxEntries);
        this.failedUntil = lru(this.maxEntries);
    }

    private static <V> Map<String, V> lru(int max) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > max;
            }
        };
    }

    /** The policy in force for the domain (any mode but none), or empty: deliver as without MTA-STS. */
    Optional<MtaSts.Policy> policyFor(String domain) {
        String d = domain.toLowerCase(java.util.Locale.ROOT);
        Instant now = clock.instant();
        Cached cached;
        synchronized (this) {
            cached = policies.get(d);
            if (cached != null && !now.isBefore(cached.expires())) {
                policies.remove(d);
                cached = null;
            }
        }
        DnsAnswer<String> txt = lookup(d);
        Optional<String> id = txt.isOk() ? MtaSts.recordId(txt.records()) : Optional.empty();
        boolean newId = id.isPresent() && (cached == null || !cached.id().equals(id.get()));
        boolean due = cached != null && !now.isBefore(cached.fetched().plus(REFRESH_AFTER));
        if (!newId && !due) {
            return applicable(cached);
        }
        synchronized (this) {
            Instant pause = failedUntil.get(d);
            if (pause != null && now.isBefore(pause)) {
                return applicable(cached);
            }
        }
        Optional<MtaSts.Policy> fetched;
        try {
            fetched = MtaSts.parsePolicy(fetcher.fetch(d));
            if (fetched.isEmpty()) {
                LOG.info("Postern outbound: the MTA-STS policy of {} is not valid; kept {}", d,
                        cached == null ? "none" : "the cached one");
            }
        } catch (IOException | RuntimeException e) {
            LOG.info("Postern outbound: the MTA-STS policy of {} could not be fetched ({}); kept {}", d, e.getMessage(),
                    cached == null ? "none" : "the cached one");
            fetched = Optional.empty();
        }
        synchronized (this) {
            if (fetched.isEmpty()) {
                failedUntil.put(d, now.plus(FAILED_FETCH_PAUSE));
                return applicable(cached);
            }
            failedUntil.remove(d);
            // a refresh without a TXT record keeps the id it has (the record may be forged away)
            Cached fresh = new Cached(id.isPresent() ? id.get() : cached.id(), fetched.get(),
                    now.plus(fetched.get().maxAge()), now);
            policies.put(d, fresh);
            return applicable(fresh);
        }
    }

    private static Optional<MtaSts.Policy> applicable(Cached c) {
        return c == null || c.policy().mode() == MtaSts.Mode.NONE ? Optional.empty() : Optional.of(c.policy());
    }

    private DnsAnswer<String> lookup(String domain) {
        DnsResolver resolver = dns.get();
        if (resolver == null) {
            return DnsAnswer.failure(DnsAnswer.Status.TEMPFAIL);
        }
        return RemoteDelivery.await(RemoteDelivery.started(() -> resolver.txt("_mta-sts." + domain)),
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(dnsTimeoutMillis));
    }
}
