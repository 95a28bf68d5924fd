package org.postern.submission.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.postern.api.dns.DnsAnswer;

/** When a policy is fetched, kept, replaced and given up (RFC 8461 §5). */
class MtaStsPoliciesTest {
    private static final String ENFORCE = "version: STSv1\nmode: enforce\nmx: mx.sts.test\nmax_age: 86400\n";

    private volatile DnsAnswer<String> txt = DnsAnswer.ok(List.of("v=STSv1; id=one;"), false, 60);
    private volatile String body = ENFORCE;
    private volatile boolean fetchFails;
    private final AtomicInteger fetches = new AtomicInteger();
    private Instant now = Instant.parse("2026-12-03T00:00:00Z");

    private final TestPeers.Dns dns = new TestPeers.Dns() {
        @Override
        public CompletionStage<DnsAnswer<String>> txt(String name) {
            assertEquals("_mta-sts.sts.test", name);
            return CompletableFuture.completedFuture(txt);
        }
    };

    private MtaStsPolicies policies() {
        return new MtaStsPolicies(() -> dns, domain -> {
            assertEquals("sts.test", domain);
            fetches.incrementAndGet();
            if (fetchFails) {
                throw new IOException("connection refused");
            }
            return body;
        }, new Clock() {
            @Override
            public Instant instant() {
                return now;
            }

            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        }, 1000, 100);
    }

    @Test
    void aPolicyIsFetchedOnceAndKeptWhileItsIdStays() {
        MtaStsPolicies p = policies();
        assertEquals(MtaSts.Mode.ENFORCE, p.policyFor("sts.test").orElseThrow().mode());
        assertEquals(MtaSts.Mode.ENFORCE, p.policyFor("STS.test").orElseThrow().mode());
        assertEquals(1, fetches.get());
        txt = DnsAnswer.ok(List.of("v=STSv1; id=two;"), false, 60);
        body = "version: STSv1\nmode: testing\nmx: mx.sts.test\nmax_age: 86400\n";
        assertEquals(MtaSts.Mode.TESTING, p.policyFor("sts.test").orElseThrow().mode(), "a new id: fetched again");
        assertEquals(2, fetches.get());
    }

    @Test
    void anAttackerWhoRemovesTheTxtRecordOrBlocksTheFetchCannotDowngradeACachedPolicy() {
        MtaStsPolicies p = policies();
        p.policyFor("sts.test");
        txt = DnsAnswer.none(DnsAnswer.Status.NXDOMAIN, false, 60);
        assertEquals(MtaSts.Mode.ENFORCE, p.policyFor("sts.test").orElseThrow().mode(), "TXT gone: the cache stands");
        txt = DnsAnswer.failure(DnsAnswer.Status.TIMEOUT);
        assertEquals(MtaSts.Mode.ENFORCE, p.policyFor("sts.test").orElseThrow().mode(), "DNS failing: the cache stands");
        txt = DnsAnswer.ok(List.of("v=STSv1; id=three;"), false, 60);
        fetchFails = true;
        assertEquals(MtaSts.Mode.ENFORCE, p.policyFor("sts.test").orElseThrow().mode(), "refresh failing: the cache stands");
        body = "garbage";
        fetchFails = false;
        now = now.plus(MtaStsPolicies.FAILED_FETCH_PAUSE).plusSeconds(1);
        assertEquals(MtaSts.Mode.ENFORCE, p.policyFor("sts.test").orElseThrow().mode(), "invalid refresh: the cache stands");
        now = now.plus(Duration.ofDays(1));
        txt = DnsAnswer.none(DnsAnswer.Status.NXDOMAIN, false, 60);
        assertTrue(p.policyFor("sts.test").isEmpty(), "after max_age the cached policy is gone");
    }

    @Test
    void withoutARecordOrWithAFailedFirstFetchThereIsNoPolicyAndTheFetchPauses() {
        txt = DnsAnswer.none(DnsAnswer.Status.NODATA, false, 60);
        MtaStsPolicies p = policies();
        assertTrue(p.policyFor("sts.test").isEmpty());
        assertEquals(0, fetches.get(), "no TXT record: nothing fetched");
        txt = DnsAnswer.ok(List.of("v=STSv1; id=one;"), false, 60);
        fetchFails = true;
        assertTrue(p.policyFor("sts.test").isEmpty());
        assertTrue(p.policyFor("sts.test").isEmpty());
        assertEquals(1, fetches.get(), "a failed fetch is not repeated for every message");
        now = now.plus(MtaStsPolicies.FAILED_FETCH_PAUSE).plusSeconds(1);
        fetchFails = false;
        assertEquals(MtaSts.Mode.ENFORCE, p.policyFor("sts.test").orElseThrow().mode());
    }

    @Test
    void modeNoneWithdrawsThePolicy() {
        MtaStsPolicies p = policies();
        p.policyFor("sts.test");
        txt = DnsAnswer.ok(List.of("v=STSv1; id=two;"), false, 60);
        body = "version: STSv1\nmode: none\nmax_age: 86400\n";
        assertTrue(p.policyFor("sts.test").isEmpty());
    }

    @Test
    void aPolicyInUseIsRefreshedBeforeItExpiresSoBlockingDnsAtExpiryDoesNotDropIt() throws Exception {
        body = "version: STSv1\nmode: enforce\nmx: mx.sts.test\nmax_age: 604800\n"; // a week
        MtaStsPolicies p = policies();
        assertEquals(MtaSts.Mode.ENFORCE, p.policyFor("sts.test").orElseThrow().mode());
        assertEquals(1, fetches.get());
        now = now.plus(Duration.ofHours(12));
        p.policyFor("sts.test");
        assertEquals(1, fetches.get(), "the same id, fetched recently: not again");
        now = now.plus(Duration.ofDays(3));
        p.policyFor("sts.test");
        assertEquals(2, fetches.get(), "in use and days old: refreshed though the id is the same (RFC 8461 3.3)");
        now = now.plus(Duration.ofDays(5)); // 8.5 days after the first fetch, 5 after the refresh
        txt = DnsAnswer.none(DnsAnswer.Status.NXDOMAIN, false, 60); // an attacker forges the TXT away
        fetchFails = true; // and blocks the policy host
        assertEquals(MtaSts.Mode.ENFORCE, p.policyFor("sts.test").orElseThrow().mode(),
                "the refreshed policy still stands");
    }
}
