package org.postern.dns.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsAnswer.Status;
import org.postern.api.dns.MxRecord;
import org.postern.api.dns.TlsaRecord;
import org.postern.dns.testing.LoopbackDnsServer;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** {@link DnsjavaResolver} against {@link LoopbackDnsServer}: nothing leaves 127.0.0.1. */
class DnsjavaResolverTest {
    private static final Duration TIMEOUT = Duration.ofMillis(2000);

    private LoopbackDnsServer server;
    private DnsjavaResolver resolver;

    @BeforeEach
    void start() throws Exception {
        server = new LoopbackDnsServer();
        resolver = resolver(server.address(), TIMEOUT);
    }

    @AfterEach
    void stop() throws Exception {
        resolver.close();
        server.close();
    }

    static DnsjavaResolver resolver(InetSocketAddress at, Duration timeout) {
        return new DnsjavaResolver(new Settings(List.of(at), timeout, 1024 * 1024, 86400, 900));
    }

    static Name n(String name) {
        return Name.fromConstantString(name.endsWith(".") ? name : name + ".");
    }

    static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal); // a literal: no lookup
    }

    static <T> DnsAnswer<T> get(CompletionStage<DnsAnswer<T>> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    static ARecord a(String name, long ttl, String address) throws Exception {
        return new ARecord(n(name), DClass.IN, ttl, ip(address));
    }

    // ---- record types ----

    @Test
    void ptrGivesEveryNameLowerCaseWithoutTheDot() throws Exception {
        InetAddress ip = ip("192.0.2.25");
        Name rev = ReverseMap.fromAddress(ip);
        server.add(new PTRRecord(rev, DClass.IN, 300, n("Mail.Example.TEST")),
                new PTRRecord(rev, DClass.IN, 300, n("mx2.example.test")),
                new PTRRecord(rev, DClass.IN, 300, n("other.example.test")));
        DnsAnswer<String> answer = get(resolver.ptr(ip));
        assertEquals(Status.OK, answer.status());
        assertEquals(List.of("mail.example.test", "mx2.example.test", "other.example.test"), answer.records());
        assertTrue(answer.ttlSeconds() > 0 && answer.ttlSeconds() <= 300);
    }

    @Test
    void ptrOfAnIpv6Address() throws Exception {
        InetAddress ip = ip("2001:db8::25");
        server.add(new PTRRecord(ReverseMap.fromAddress(ip), DClass.IN, 300, n("v6.example.test")));
        assertEquals(List.of("v6.example.test"), get(resolver.ptr(ip)).records());
    }

    @Test
    void forwardConfirmedOnlyWhenTheNameResolvesBack() throws Exception {
        InetAddress ip = ip("192.0.2.30");
        Name rev = ReverseMap.fromAddress(ip);
        server.add(new PTRRecord(rev, DClass.IN, 300, n("liar.example.test")),
                new PTRRecord(rev, DClass.IN, 300, n("mail.example.test")));
        server.add(a("liar.example.test", 300, "198.51.100.1"));
        server.add(a("mail.example.test", 300, "198.51.100.2"), a("mail.example.test", 300, "192.0.2.30"));
        DnsAnswer<String> answer = get(resolver.forwardConfirmedNames(ip));
        assertEquals(Status.OK, answer.status());
        assertEquals(List.of("mail.example.test"), answer.records());

        InetAddress unconfirmed = ip("192.0.2.31");
        server.add(new PTRRecord(ReverseMap.fromAddress(unconfirmed), DClass.IN, 300, n("liar.example.test")));
        assertEquals(Status.NODATA, get(resolver.forwardConfirmedNames(unconfirmed)).status());

        assertEquals(Status.NXDOMAIN, get(resolver.forwardConfirmedNames(ip("192.0.2.32"))).status());
    }

    @Test
    void forwardConfirmedIpv6UsesAaaa() throws Exception {
        InetAddress ip = ip("2001:db8::30");
        server.add(new PTRRecord(ReverseMap.fromAddress(ip), DClass.IN, 300, n("v6.example.test")));
        server.add(new AAAARecord(n("v6.example.test"), DClass.IN, 300, ip));
        assertEquals(List.of("v6.example.test"), get(resolver.forwardConfirmedNames(ip)).records());
        assertEquals(0, server.count(n("v6.example.test"), Type.A));
    }

    @Test
    void addressesAskBothFamilies() throws Exception {
        server.add(a("dual.example.test", 300, "192.0.2.40"),
                new AAAARecord(n("dual.example.test"), DClass.IN, 300, ip("2001:db8::40")));
        assertEquals(List.of(ip("192.0.2.40"), ip("2001:db8::40")), get(resolver.addresses("dual.example.test")).records());
        assertEquals(List.of(ip("192.0.2.40")), get(resolver.a("dual.example.test")).records());
        assertEquals(List.of(ip("2001:db8::40")), get(resolver.aaaa("dual.example.test")).records());
    }

    @Test
    void mxSortedByPreference() throws Exception {
        Name d = n("example.test");
        server.add(new MXRecord(d, DClass.IN, 300, 20, n("MX20.example.test")),
                new MXRecord(d, DClass.IN, 300, 5, n("mx5.example.test")),
                new MXRecord(d, DClass.IN, 300, 10, n("mx10a.example.test")),
                new MXRecord(d, DClass.IN, 300, 10, n("mx10b.example.test")));
        assertEquals(List.of(new MxRecord(5, "mx5.example.test"), new MxRecord(10, "mx10a.example.test"),
                new MxRecord(10, "mx10b.example.test"), new MxRecord(20, "mx20.example.test")),
                get(resolver.mx("example.test")).records());
    }

    @Test
    void nullMx() throws Exception {
        server.add(new MXRecord(n("nomail.example.test"), DClass.IN, 300, 0, Name.root));
        List<MxRecord> mx = get(resolver.mx("nomail.example.test")).records();
        assertEquals(List.of(new MxRecord(0, ".")), mx);
        assertTrue(mx.get(0).isNullMx());
    }

    @Test
    void txtStringsOfOneRecordAreJoined() throws Exception {
        Name d = n("example.test");
        server.add(new TXTRecord(d, DClass.IN, 300, List.of("v=spf1 ip4:192.0.2.0/24 ", "include:_spf.example.test -all")),
                new TXTRecord(d, DClass.IN, 300, "google-site-verification=abc"));
        assertEquals(List.of("v=spf1 ip4:192.0.2.0/24 include:_spf.example.test -all", "google-site-verification=abc"),
                get(resolver.txt("example.test")).records());
    }

    @Test
    void aLargeAnswerComesOverTcp() throws Exception {
        Name d = n("_domainkey.example.test");
        String big = "x".repeat(250);
        server.add(new TXTRecord(d, DClass.IN, 300, List.of(big, big, big, big, big, big, big, big)));
        DnsAnswer<String> answer = get(resolver.txt("_domainkey.example.test"));
        assertEquals(List.of(big.repeat(8)), answer.records());
        assertTrue(server.tcpQueries() >= 1);
    }

    @Test
    void tlsaParsed() throws Exception {
        byte[] hash = HexFormat.of().parseHex("0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6");
        server.add(new TLSARecord(n("_25._tcp.mx.example.test"), DClass.IN, 300, 3, 1, 1, hash));
        DnsAnswer<TlsaRecord> answer = get(resolver.tlsa(25, "mx.example.test"));
        assertEquals(1, answer.records().size());
        TlsaRecord t = answer.records().get(0);
        assertEquals(TlsaRecord.USAGE_DANE_EE, t.usage());
        assertEquals(TlsaRecord.SELECTOR_SPKI, t.selector());
        assertEquals(TlsaRecord.MATCHING_SHA256, t.matchingType());
        assertArrayEquals(hash, t.data());
    }

    @Test
    void cnameChainIsFollowedAndItsTtlCounts() throws Exception {
        server.add(new CNAMERecord(n("www.example.test"), DClass.IN, 30, n("host.example.test")));
        server.add(a("host.example.test", 300, "192.0.2.50"));
        DnsAnswer<InetAddress> answer = get(resolver.a("WWW.example.test."));
        assertEquals(List.of(ip("192.0.2.50")), answer.records());
        assertTrue(answer.ttlSeconds() <= 30);
    }

    // ---- DNSSEC AD bit ----

    @Test
    void adBitIsAskedForAndPassedThrough() throws Exception {
        server.add(a("signed.example.test", 300, "192.0.2.60"), a("unsigned.example.test", 300, "192.0.2.61"));
        server.authenticate("signed.example.test");
        assertTrue(get(resolver.a("signed.example.test")).authenticated());
        assertFalse(get(resolver.a("unsigned.example.test")).authenticated());
        assertTrue(server.received().get(0).getHeader().getFlag(Flags.AD), "query asks for AD (RFC 6840 §5.7)");
        assertTrue(server.received().get(0).getHeader().getFlag(Flags.RD));
        assertTrue(get(resolver.a("signed.example.test")).authenticated(), "from the cache too");
    }

    // ---- negative answers and failures ----

    @Test
    void nxdomainNodataServfailAndInvalid() throws Exception {
        server.add(a("host.example.test", 300, "192.0.2.70"));
        assertEquals(Status.NXDOMAIN, get(resolver.a("nothing.example.test")).status());
        assertEquals(Status.NODATA, get(resolver.mx("host.example.test")).status());
        server.rcode("broken.example.test", Rcode.SERVFAIL);
        assertEquals(Status.TEMPFAIL, get(resolver.a("broken.example.test")).status());
        server.rcode("refused.example.test", Rcode.REFUSED);
        assertEquals(Status.TEMPFAIL, get(resolver.a("refused.example.test")).status());
        assertEquals(Status.INVALID, get(resolver.a("x".repeat(64) + ".example.test")).status());
        assertEquals(Status.INVALID, get(resolver.a("a..example.test")).status());
        assertEquals(Status.INVALID, get(resolver.a(" ")).status());
    }

    @Test
    void failuresAreNotCached() throws Exception {
        server.rcode("broken.example.test", Rcode.SERVFAIL);
        get(resolver.a("broken.example.test"));
        get(resolver.a("broken.example.test"));
        assertEquals(2, server.count(n("broken.example.test"), Type.A));
    }

    @Test
    void negativeAnswersAreCachedForTheSoaMinimum() throws Exception {
        server.negativeTtl(120);
        DnsAnswer<InetAddress> first = get(resolver.a("nothing.example.test"));
        DnsAnswer<InetAddress> second = get(resolver.a("nothing.example.test"));
        assertEquals(Status.NXDOMAIN, second.status());
        assertEquals(1, server.count(n("nothing.example.test"), Type.A));
        assertTrue(first.ttlSeconds() <= 120 && second.ttlSeconds() <= first.ttlSeconds());
    }

    @Test
    void aSilentServerTimesOutAndTheCallReturnsAtOnce() throws Exception {
        server.silent(true);
        try (LoopbackDnsServer quiet = server) {
            DnsjavaResolver fast = resolver(quiet.address(), Duration.ofMillis(300));
            try {
                CompletionStage<DnsAnswer<InetAddress>> stage = fast.a("slow.example.test");
                assertFalse(stage.toCompletableFuture().isDone(), "no blocking on the caller's thread");
                assertEquals(Status.TIMEOUT, get(stage).status());
                assertEquals(Status.TIMEOUT, get(fast.a("slow.example.test")).status());
                assertTrue(quiet.count(n("slow.example.test"), Type.A) >= 2, "a timeout is not cached");
            } finally {
                fast.close();
            }
        }
    }

    @Test
    void deactivationCompletesWhatIsPending() throws Exception {
        server.silent(true);
        CompletionStage<DnsAnswer<InetAddress>> stage = resolver.a("pending.example.test");
        resolver.close();
        assertEquals(Status.TEMPFAIL, get(stage).status());
        assertEquals(Status.TEMPFAIL, get(resolver.a("later.example.test")).status());
    }

    // ---- cache ----

    @Test
    void ttlIsHonoured() throws Exception {
        server.add(a("short.example.test", 1, "192.0.2.80"));
        Name name = n("short.example.test");
        DnsAnswer<InetAddress> first = get(resolver.a("short.example.test"));
        DnsAnswer<InetAddress> second = get(resolver.a("short.example.test"));
        assertEquals(first.records(), second.records());
        assertTrue(second.ttlSeconds() <= 1);
        // Within the TTL: the first query only (unless a slow machine already let the second expire).
        int afterTwo = server.count(name, Type.A);
        assertTrue(afterTwo == 1 || afterTwo == 2, "queries: " + afterTwo);
        // Past the TTL a new query goes out.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (server.count(name, Type.A) < afterTwo + 1 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            assertEquals(Status.OK, get(resolver.a("short.example.test")).status());
        }
        assertTrue(server.count(name, Type.A) > afterTwo, "asked again after the TTL ran out");
    }

    @Test
    void aLongTtlIsServedFromTheCache() throws Exception {
        server.add(a("long.example.test", 3600, "192.0.2.81"));
        for (int i = 0; i < 5; i++) {
            assertEquals(List.of(ip("192.0.2.81")), get(resolver.a("long.example.test")).records());
        }
        assertEquals(1, server.count(n("long.example.test"), Type.A));
        assertEquals(Status.OK, get(resolver.a("LONG.example.test")).status());
        assertEquals(1, server.count(n("long.example.test"), Type.A), "names compare without case");
    }

    @Test
    void concurrentAskersShareOneQuery() throws Exception {
        server.add(a("shared.example.test", 300, "192.0.2.82"));
        server.delay(Duration.ofMillis(300));
        CompletableFuture<DnsAnswer<InetAddress>> one = resolver.a("shared.example.test").toCompletableFuture();
        CompletableFuture<DnsAnswer<InetAddress>> two = resolver.a("shared.example.test").toCompletableFuture();
        two.complete(DnsAnswer.failure(Status.TEMPFAIL)); // a caller meddling with its own copy
        assertEquals(Status.OK, get(one).status());
        assertEquals(Status.OK, get(resolver.a("shared.example.test")).status());
        assertEquals(1, server.count(n("shared.example.test"), Type.A));
    }

    @Test
    void noCacheWhenSizeIsZero() throws Exception {
        DnsjavaResolver uncached = new DnsjavaResolver(new Settings(List.of(server.address()), TIMEOUT, 0, 86400, 900));
        try {
            server.add(a("nocache.example.test", 3600, "192.0.2.83"));
            get(uncached.a("nocache.example.test"));
            get(uncached.a("nocache.example.test"));
            assertEquals(2, server.count(n("nocache.example.test"), Type.A));
        } finally {
            uncached.close();
        }
    }
}
