package org.postern.api.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.postern.api.dns.DnsAnswer.Status;

/** The default methods, on a map-backed resolver: what a test's fake gets for free. */
class DnsResolverDefaultsTest {

    /** Answers from maps; a missing name is NXDOMAIN; {@code failing} names fail as given. */
    static class MapResolver implements DnsResolver {
        final Map<InetAddress, List<String>> ptr = new HashMap<>();
        final Map<String, List<InetAddress>> a = new HashMap<>();
        final Map<String, List<InetAddress>> aaaa = new HashMap<>();
        final Map<String, Status> failing = new HashMap<>();
        final Map<String, Boolean> authenticated = new HashMap<>();
        final List<String> asked = new ArrayList<>();

        private <T> CompletionStage<DnsAnswer<T>> answer(String key, List<T> records) {
            asked.add(key);
            Status f = failing.get(key);
            if (f != null) {
                return CompletableFuture.completedFuture(DnsAnswer.failure(f));
            }
            boolean ad = authenticated.getOrDefault(key, true);
            return CompletableFuture.completedFuture(records == null || records.isEmpty()
                    ? DnsAnswer.none(Status.NXDOMAIN, ad, 30) : DnsAnswer.ok(records, ad, 60));
        }

        @Override
        public CompletionStage<DnsAnswer<String>> ptr(InetAddress address) {
            return answer(address.getHostAddress(), ptr.get(address));
        }

        @Override
        public CompletionStage<DnsAnswer<InetAddress>> a(String name) {
            return answer("a " + name, a.get(name));
        }

        @Override
        public CompletionStage<DnsAnswer<InetAddress>> aaaa(String name) {
            return answer("aaaa " + name, aaaa.get(name));
        }

        @Override
        public CompletionStage<DnsAnswer<MxRecord>> mx(String domain) {
            return answer("mx " + domain, null);
        }

        @Override
        public CompletionStage<DnsAnswer<String>> txt(String name) {
            return answer("txt " + name, null);
        }

        @Override
        public CompletionStage<DnsAnswer<TlsaRecord>> tlsa(String name) {
            return answer("tlsa " + name, null);
        }
    }

    static InetAddress ip(String s) throws UnknownHostException {
        return InetAddress.getByName(s); // literals only: no lookup
    }

    static <T> DnsAnswer<T> get(CompletionStage<DnsAnswer<T>> stage) {
        return stage.toCompletableFuture().join();
    }

    @Test
    void confirmsOnlyTheNamesThatPointBack() throws Exception {
        MapResolver r = new MapResolver();
        InetAddress ip = ip("192.0.2.7");
        r.ptr.put(ip, List.of("liar.example", "mail.example", "alias.example"));
        r.a.put("liar.example", List.of(ip("198.51.100.1")));
        r.a.put("mail.example", List.of(ip("198.51.100.2"), ip));
        r.a.put("alias.example", List.of(ip));
        DnsAnswer<String> answer = get(r.forwardConfirmedNames(ip));
        assertEquals(Status.OK, answer.status());
        assertEquals(List.of("mail.example", "alias.example"), answer.records());
        assertTrue(answer.authenticated());
    }

    @Test
    void ipv6AsksAaaaOnly() throws Exception {
        MapResolver r = new MapResolver();
        InetAddress ip = ip("2001:db8::25");
        r.ptr.put(ip, List.of("mx.example"));
        r.aaaa.put("mx.example", List.of(ip));
        assertEquals(List.of("mx.example"), get(r.forwardConfirmedNames(ip)).records());
        assertFalse(r.asked.contains("a mx.example"));
    }

    @Test
    void noneConfirmingIsNodataAndAFailureIsTemporary() throws Exception {
        MapResolver r = new MapResolver();
        InetAddress ip = ip("192.0.2.8");
        r.ptr.put(ip, List.of("other.example"));
        r.a.put("other.example", List.of(ip("192.0.2.9")));
        assertEquals(Status.NODATA, get(r.forwardConfirmedNames(ip)).status());

        r.ptr.put(ip, List.of("other.example", "slow.example"));
        r.failing.put("a slow.example", Status.TIMEOUT);
        assertEquals(Status.TIMEOUT, get(r.forwardConfirmedNames(ip)).status());

        assertEquals(Status.NXDOMAIN, get(r.forwardConfirmedNames(ip("192.0.2.10"))).status());
    }

    @Test
    void atMostTenPtrNamesAreChecked() throws Exception {
        MapResolver r = new MapResolver();
        InetAddress ip = ip("192.0.2.11");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            names.add("n" + i + ".example");
        }
        r.ptr.put(ip, names);
        r.a.put("n40.example", List.of(ip));
        assertEquals(Status.NODATA, get(r.forwardConfirmedNames(ip)).status());
        assertEquals(1 + DnsResolver.MAX_CONFIRMED_PTR_NAMES, r.asked.size());
    }

    @Test
    void oneUnauthenticatedStepMakesTheWholeUnauthenticated() throws Exception {
        MapResolver r = new MapResolver();
        InetAddress ip = ip("192.0.2.12");
        r.ptr.put(ip, List.of("mail.example"));
        r.a.put("mail.example", List.of(ip));
        r.authenticated.put("a mail.example", false);
        DnsAnswer<String> answer = get(r.forwardConfirmedNames(ip));
        assertTrue(answer.isOk());
        assertFalse(answer.authenticated());
    }

    @Test
    void anExceptionalStageIsATemporaryFailure() throws Exception {
        MapResolver r = new MapResolver() {
            @Override
            public CompletionStage<DnsAnswer<InetAddress>> a(String name) {
                return CompletableFuture.failedFuture(new IllegalStateException("fake broke"));
            }
        };
        InetAddress ip = ip("192.0.2.13");
        r.ptr.put(ip, List.of("mail.example"));
        assertEquals(Status.TEMPFAIL, get(r.forwardConfirmedNames(ip)).status());
    }

    @Test
    void addressesCombinesBothFamilies() throws Exception {
        MapResolver r = new MapResolver();
        r.a.put("both.example", List.of(ip("192.0.2.1")));
        r.aaaa.put("both.example", List.of(ip("2001:db8::1")));
        DnsAnswer<InetAddress> both = get(r.addresses("both.example"));
        assertEquals(List.of(ip("192.0.2.1"), ip("2001:db8::1")), both.records());
        assertEquals(60, both.ttlSeconds());

        r.a.put("v4.example", List.of(ip("192.0.2.2")));
        r.failing.put("aaaa v4.example", Status.TIMEOUT);
        DnsAnswer<InetAddress> partial = get(r.addresses("v4.example"));
        assertEquals(List.of(ip("192.0.2.2")), partial.records());
        assertFalse(partial.authenticated());

        r.failing.put("a broken.example", Status.TEMPFAIL);
        assertEquals(Status.TEMPFAIL, get(r.addresses("broken.example")).status());
        assertEquals(Status.NXDOMAIN, get(r.addresses("nothing.example")).status());
    }

    @Test
    void tlsaForAPortAndHost() {
        MapResolver r = new MapResolver();
        get(r.tlsa(25, "mx.example"));
        assertEquals(List.of("tlsa _25._tcp.mx.example"), r.asked);
        assertEquals(Status.INVALID, get(r.tlsa(70000, "mx.example")).status());
    }
}
