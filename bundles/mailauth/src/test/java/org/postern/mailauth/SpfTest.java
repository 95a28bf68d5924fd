package org.postern.mailauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsAnswer.Status;
import org.postern.api.dns.DnsResolver;
import org.postern.api.dns.MxRecord;
import org.postern.api.dns.TlsaRecord;
import org.postern.mailauth.Spf.MacroVars;

class SpfTest {
    private final FakeDns dns = new FakeDns();
    private final Spf spf = new Spf(dns);

    private SpfResult check(String ip, String mailFrom) {
        return check(FakeDns.ip(ip), mailFrom, "client.example.org");
    }

    private SpfResult check(InetAddress ip, String mailFrom, String helo) {
        try {
            return spf.check(ip, mailFrom, helo).toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the stage did not complete normally", e);
        }
    }

    /** The result for a client of example.com whose only record is this one. */
    private AuthResult record(String record, String ip) {
        dns.txt("example.com", record);
        return check(ip, "alice@example.com").result();
    }

    private static void assertResult(AuthResult expected, SpfResult actual) {
        assertEquals(expected, actual.result(), actual.reason());
        assertTrue(actual.reason().length() <= 200, actual.reason());
    }

    // ------------------------------------------------------------------ pass

    @Test
    void passByIp4() {
        dns.txt("example.com", "v=spf1 ip4:192.0.2.0/24 -all");
        SpfResult r = check("192.0.2.77", "Alice@Example.COM");
        assertEquals(new SpfResult(AuthResult.PASS, "mailfrom", "Alice@example.com", "example.com",
                "matched ip4:192.0.2.0/24"), r);
        assertResult(AuthResult.FAIL, check("192.0.3.1", "alice@example.com"));
    }

    @Test
    void passByIp6() {
        dns.txt("example.com", "v=spf1 ip6:2001:DB8:1::/48 -all");
        assertResult(AuthResult.PASS, check("2001:db8:1:2::5", "alice@example.com"));
        assertResult(AuthResult.FAIL, check("2001:db8:2::1", "alice@example.com"));
        assertResult(AuthResult.FAIL, check("192.0.2.1", "alice@example.com"));
    }

    @Test
    void passByA() {
        dns.txt("example.com", "v=spf1 a a:hosts.example.net/24 -all")
                .a("example.com", "192.0.2.10", "2001:db8::10")
                .a("hosts.example.net", "198.51.100.1");
        assertResult(AuthResult.PASS, check("192.0.2.10", "alice@example.com"));
        assertResult(AuthResult.PASS, check("2001:db8::10", "alice@example.com"));
        assertResult(AuthResult.PASS, check("198.51.100.200", "alice@example.com"));
        assertResult(AuthResult.FAIL, check("192.0.2.11", "alice@example.com"));
        // the IPv6 client only asks AAAA, so hosts.example.net (no AAAA) is a void lookup, not a match
        assertResult(AuthResult.FAIL, check("2001:db8::11", "alice@example.com"));
    }

    @Test
    void passByMx() {
        dns.txt("example.com", "v=spf1 mx -all")
                .mx("example.com", 10, "mx1.example.com")
                .mx("example.com", 20, "mx2.example.com")
                .a("mx1.example.com", "192.0.2.10")
                .a("mx2.example.com", "192.0.2.20");
        assertResult(AuthResult.PASS, check("192.0.2.20", "alice@example.com"));
        assertResult(AuthResult.FAIL, check("192.0.2.21", "alice@example.com"));
    }

    @Test
    void passByInclude() {
        dns.txt("example.com", "v=spf1 include:_spf.provider.net ~all")
                .txt("_spf.provider.net", "v=spf1 ip4:203.0.113.0/24 a:mail.%{d} -all")
                .a("mail._spf.provider.net", "198.51.100.50");
        SpfResult r = check("203.0.113.5", "alice@example.com");
        assertResult(AuthResult.PASS, r);
        assertEquals("matched include:_spf.provider.net", r.reason());
        // %{d} is the included domain inside the included record
        assertResult(AuthResult.PASS, check("198.51.100.50", "alice@example.com"));
        // the included record's -all is "no match": evaluation goes on to ~all
        assertResult(AuthResult.SOFTFAIL, check("192.0.2.1", "alice@example.com"));
    }

    @Test
    void passByExistsWithMacros() {
        dns.txt("example.com", "v=spf1 exists:%{ir}.%{v}.allow.example.com exists:%{i}.list.example.com -all")
                .a("77.2.0.192.in-addr.allow.example.com", "127.0.0.2")
                .a("198.51.100.8.list.example.com", "127.0.0.2");
        assertResult(AuthResult.PASS, check("192.0.2.77", "alice@example.com"));
        assertResult(AuthResult.PASS, check("198.51.100.8", "alice@example.com"));
        assertResult(AuthResult.FAIL, check("192.0.2.78", "alice@example.com"));
    }

    @Test
    void passByPtrOnlyForForwardConfirmedNames() {
        dns.txt("example.com", "v=spf1 ptr ptr:example.org -all")
                .ptr("192.0.2.5", "mail.example.com")
                .a("mail.example.com", "192.0.2.5")
                .ptr("192.0.2.6", "mail.example.org") // no A record: not validated
                .a("other.example.org", "192.0.2.6")
                .ptr("192.0.2.7", "mail.example.net", "mail.notexample.com") // validated, but not below the targets
                .a("mail.example.net", "192.0.2.7")
                .a("mail.notexample.com", "192.0.2.7")
                .ptr("192.0.2.8", "spoof.example.com") // below the target, but its address is another
                .a("spoof.example.com", "198.51.100.8");
        assertResult(AuthResult.PASS, check("192.0.2.5", "alice@example.com"));
        assertResult(AuthResult.FAIL, check("192.0.2.6", "alice@example.com"));
        assertResult(AuthResult.FAIL, check("192.0.2.7", "alice@example.com"));
        assertResult(AuthResult.FAIL, check("192.0.2.8", "alice@example.com"));
    }

    // ------------------------------------------------------------------ fail, softfail, neutral

    @Test
    void failByMinusAll() {
        assertEquals(AuthResult.FAIL, record("v=spf1 -all", "192.0.2.1"));
        assertEquals("matched -all", check("192.0.2.1", "alice@example.com").reason());
    }

    @Test
    void softfail() {
        assertEquals(AuthResult.SOFTFAIL, record("v=spf1 ip4:192.0.2.1 ~all", "192.0.2.2"));
    }

    @Test
    void neutralByQuestionMarkAll() {
        assertEquals(AuthResult.NEUTRAL, record("v=spf1 ip4:192.0.2.1 ?all", "192.0.2.2"));
    }

    @Test
    void neutralWhenNothingMatches() {
        dns.txt("example.com", "v=spf1 ip4:192.0.2.1");
        SpfResult r = check("192.0.2.2", "alice@example.com");
        assertEquals(AuthResult.NEUTRAL, r.result());
        assertEquals("no mechanism matched", r.reason());
        dns.txt("empty.example.com", "v=spf1");
        assertResult(AuthResult.NEUTRAL, check("192.0.2.2", "alice@empty.example.com"));
    }

    @Test
    void qualifiersAndNamesAreCaseInsensitive() {
        dns.txt("example.com", "V=SPF1 -IP4:192.0.2.1 +A:MAIL.Example.COM ~ALL").a("mail.example.com", "192.0.2.9");
        assertResult(AuthResult.FAIL, check("192.0.2.1", "alice@example.com"));
        assertResult(AuthResult.PASS, check("192.0.2.9", "alice@example.com"));
        assertResult(AuthResult.SOFTFAIL, check("192.0.2.10", "alice@example.com"));
    }

    // ------------------------------------------------------------------ none

    @Test
    void noneWithoutAnSpfRecord() {
        dns.txt("example.com", "google-site-verification=abc", "v=spf10 -all", "v=spf1x -all", "spf1 -all");
        SpfResult r = check("192.0.2.1", "alice@example.com");
        assertEquals(AuthResult.NONE, r.result());
        assertEquals("example.com", r.domain());
        assertResult(AuthResult.NONE, check("192.0.2.1", "alice@nonexistent.example.net"));
    }

    @Test
    void noneForDomainsThatAreNoDomainNames() {
        for (String from : new String[] {"alice@localhost", "alice@[192.0.2.1]", "alice@192.0.2.1",
                "alice@" + "a".repeat(64) + ".example.com", "alice@" + ("a".repeat(60) + ".").repeat(5) + "com",
                "alice@example..com", "alice@exa$mple.com"}) {
            SpfResult r = check("192.0.2.1", from);
            assertEquals(AuthResult.NONE, r.result(), from);
            assertEquals("", r.domain(), from);
            assertTrue(r.reason().length() <= 200);
        }
        assertEquals(0, dns.queries.get(), "nothing is asked about them");
    }

    // ------------------------------------------------------------------ permerror

    @Test
    void permerrorForTwoRecords() {
        assertEquals(AuthResult.PASS, record("v=spf1 +all", "192.0.2.1"));
        dns.txt("example.com", "v=spf1 -all"); // now two
        assertResult(AuthResult.PERMERROR, check("192.0.2.1", "alice@example.com"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "v=spf1 ip4:192.0.2.300 -all",
        "v=spf1 ip4:192.0.2.01 -all",
        "v=spf1 ip4:192.0.2 -all",
        "v=spf1 ip4:192.0.2.1/33 -all",
        "v=spf1 ip4:192.0.2.1/032 -all",
        "v=spf1 ip4:192.0.2.1//32 -all",
        "v=spf1 ip4: -all",
        "v=spf1 ip6:2001:db8::/129 -all",
        "v=spf1 ip6:2001:db8:::1 -all",
        "v=spf1 ip6:2001:db8::g -all",
        "v=spf1 ip6:192.0.2.1 -all",
        "v=spf1 a:foo -all",
        "v=spf1 a:192.0.2.1 -all",
        "v=spf1 a:example.com:8080 -all",
        "v=spf1 a:example.-com -all",
        "v=spf1 a/24//",
        "v=spf1 a/129 -all",
        "v=spf1 mx//129 -all",
        "v=spf1 a: -all",
        "v=spf1 include -all",
        "v=spf1 include: -all",
        "v=spf1 exists:%{x}.example.com -all",
        "v=spf1 exists:%{i0}.example.com -all",
        "v=spf1 exists:%(ir).example.com -all",
        "v=spf1 exists:%{ir.example.com -all",
        "v=spf1 exists:%{t}.example.com -all",
        "v=spf1 exists:%{ir;}.example.com -all",
        "v=spf1 -all/24",
        "v=spf1 redirect=a.example.com redirect=b.example.com",
        "v=spf1 exp= -all",
        "v=spf1 exp=a.example.com exp=b.example.com -all",
        "v=spf1 -all moo=%{q}",
        "v=spf1 - all",
    })
    void permerrorForSyntaxErrors(String record) {
        assertEquals(AuthResult.PERMERROR, record(record, "192.0.2.1"), record);
    }

    @Test
    void permerrorForASyntaxErrorEvenAfterAMatch() {
        assertEquals(AuthResult.PERMERROR, record("v=spf1 ip4:192.0.2.1 ip4:192.0.2.999", "192.0.2.1"));
    }

    @Test
    void permerrorForUnknownMechanisms() {
        dns.txt("example.com", "v=spf1 ip4:192.0.2.1 moo -all");
        SpfResult r = check("192.0.2.1", "alice@example.com");
        assertResult(AuthResult.PERMERROR, r);
        assertTrue(r.reason().contains("moo"), r.reason());
        dns.txt("other.example.com", "v=spf1 =a -all");
        assertResult(AuthResult.PERMERROR, check("192.0.2.1", "alice@other.example.com"));
    }

    @Test
    void unknownModifiersAreIgnoredAndExpOnlyParsed() {
        assertEquals(AuthResult.PASS,
                record("v=spf1 moo.cow-2_3=%{d}%%x ip4:192.0.2.1 exp=explain._spf.%{d} -all default=deny", "192.0.2.1"));
        assertEquals(1, dns.queries.get(), "the explanation is never fetched");
    }

    @Test
    void permerrorForMoreThanTenDnsTerms() {
        assertEquals(AuthResult.FAIL, record(aTerms(10), "192.0.2.1"));
        assertEquals(1 + 10, dns.queries.get());

        FakeDns other = new FakeDns();
        other.txt("example.com", aTerms(11));
        for (int i = 1; i <= 11; i++) {
            other.a("h" + i + ".example.net", "198.51.100." + i);
        }
        SpfResult r = result(new Spf(other), "192.0.2.1", "alice@example.com");
        assertResult(AuthResult.PERMERROR, r);
        assertEquals(1 + 10, other.queries.get(), "the 11th term is not asked about");
    }

    /** A record with n a: terms, each for a name with an address that is not the client's. */
    private String aTerms(int n) {
        StringBuilder record = new StringBuilder("v=spf1");
        for (int i = 1; i <= n; i++) {
            record.append(" a:h").append(i).append(".example.net");
            dns.a("h" + i + ".example.net", "198.51.100." + i);
        }
        return record.append(" -all").toString();
    }

    @Test
    void permerrorForMoreThanTenLookupsAcrossIncludes() {
        dns.txt("example.com", "v=spf1 a:h1.example.net include:one.example.net -all")
                .txt("one.example.net", "v=spf1 mx:example.net a:h2.example.net a:h3.example.net include:two.example.net -all")
                .txt("two.example.net", "v=spf1 a:h4.example.net a:h5.example.net a:h6.example.net a:h7.example.net ip4:192.0.2.1")
                .mx("example.net", 10, "h1.example.net");
        for (int i = 1; i <= 7; i++) {
            dns.a("h" + i + ".example.net", "198.51.100." + i);
        }
        // a, include, mx, a, a, include, a, a, a, a = 10: the ip4 in two.example.net is reached
        assertResult(AuthResult.PASS, check("192.0.2.1", "alice@example.com"));
        FakeDns deeper = new FakeDns();
        deeper.txt("example.com", "v=spf1 a:h1.example.net include:one.example.net -all")
                .txt("one.example.net", "v=spf1 mx:example.net a:h2.example.net a:h3.example.net include:two.example.net -all")
                .txt("two.example.net", "v=spf1 a:h4.example.net a:h5.example.net a:h6.example.net a:h7.example.net a:h8.example.net ip4:192.0.2.1")
                .mx("example.net", 10, "h1.example.net");
        for (int i = 1; i <= 8; i++) {
            deeper.a("h" + i + ".example.net", "198.51.100." + i);
        }
        assertResult(AuthResult.PERMERROR, result(new Spf(deeper), "192.0.2.1", "alice@example.com"));
    }

    @Test
    void permerrorForMoreThanTwoVoidLookups() {
        assertEquals(AuthResult.FAIL, record("v=spf1 a:n1.example.net exists:n2.example.net -all", "192.0.2.1"));
        FakeDns other = new FakeDns();
        other.txt("example.com", "v=spf1 a:n1.example.net exists:n2.example.net mx:n3.example.net -all");
        SpfResult r = result(new Spf(other), "192.0.2.1", "alice@example.com");
        assertResult(AuthResult.PERMERROR, r);
        assertTrue(r.reason().contains("void"), r.reason());
        // a name that cannot be asked about (INVALID) is as void as one that does not exist
        FakeDns invalid = new FakeDns();
        invalid.txt("example.com", "v=spf1 a:n1.example.net exists:n2.example.net mx:n3.example.net -all")
                .fail("A", "n1.example.net", Status.INVALID).fail("A", "n2.example.net", Status.INVALID)
                .fail("MX", "n3.example.net", Status.INVALID);
        assertResult(AuthResult.PERMERROR, result(new Spf(invalid), "192.0.2.1", "alice@example.com"));
    }

    @Test
    void permerrorForMoreThanTenMxNames() {
        dns.txt("example.com", "v=spf1 mx -all").txt("ten.example.com", "v=spf1 mx -all");
        for (int i = 1; i <= 11; i++) {
            dns.mx("example.com", i, "mx" + i + ".example.com").a("mx" + i + ".example.com", "198.51.100." + i);
            if (i <= 10) {
                dns.mx("ten.example.com", i, "mx" + i + ".example.com");
            }
        }
        assertResult(AuthResult.PERMERROR, check("192.0.2.1", "alice@example.com"));
        assertResult(AuthResult.FAIL, check("192.0.2.1", "alice@ten.example.com"));
        assertResult(AuthResult.PASS, check("198.51.100.10", "alice@ten.example.com"));
    }

    @Test
    void permerrorForIncludeOfADomainWithoutRecord() {
        dns.txt("example.com", "v=spf1 include:_spf.nothing.example.net ip4:192.0.2.1 -all");
        assertResult(AuthResult.PERMERROR, check("192.0.2.1", "alice@example.com"));
        dns.txt("bad.example.com", "v=spf1 include:_spf.broken.example.net -all")
                .txt("_spf.broken.example.net", "v=spf1 ip4:192.0.2.1/99");
        assertResult(AuthResult.PERMERROR, check("192.0.2.1", "alice@bad.example.com"));
    }

    @Test
    void permerrorForIncludeAndRedirectLoops() {
        dns.txt("example.com", "v=spf1 include:example.com -all")
                .txt("a.example.net", "v=spf1 redirect=b.example.net")
                .txt("b.example.net", "v=spf1 redirect=a.example.net");
        assertResult(AuthResult.PERMERROR, check("192.0.2.1", "alice@example.com"));
        assertEquals(1 + 10, dns.queries.get());
        assertResult(AuthResult.PERMERROR, check("192.0.2.1", "alice@a.example.net"));
    }

    // ------------------------------------------------------------------ redirect

    @Test
    void redirectOnlyWhenNothingMatchedAndNoAll() {
        dns.txt("example.com", "v=spf1 ip4:198.51.100.1 redirect=_spf.%{d}")
                .txt("_spf.example.com", "v=spf1 ip4:192.0.2.0/24 -all");
        assertResult(AuthResult.PASS, check("198.51.100.1", "alice@example.com"));
        assertResult(AuthResult.PASS, check("192.0.2.1", "alice@example.com"));
        SpfResult r = check("203.0.113.1", "alice@example.com");
        assertResult(AuthResult.FAIL, r);
        assertEquals("example.com", r.domain());

        FakeDns withAll = new FakeDns();
        withAll.txt("example.com", "v=spf1 redirect=_spf.example.com ?all").txt("_spf.example.com", "v=spf1 +all");
        assertResult(AuthResult.NEUTRAL, result(new Spf(withAll), "192.0.2.1", "alice@example.com"));
        assertEquals(1, withAll.queries.get(), "the redirect target is not even asked about");
    }

    @Test
    void permerrorForRedirectToADomainWithoutRecord() {
        dns.txt("example.com", "v=spf1 redirect=nothing.example.net").txt("norecord.example.net", "hello");
        assertResult(AuthResult.PERMERROR, check("192.0.2.1", "alice@example.com"));
        dns.txt("other.example.com", "v=spf1 redirect=norecord.example.net");
        assertResult(AuthResult.PERMERROR, check("192.0.2.1", "alice@other.example.com"));
    }

    // ------------------------------------------------------------------ temperror

    @Test
    void temperrorWhenTheRecordLookupFails() {
        dns.fail("TXT", "example.com", Status.TEMPFAIL);
        SpfResult r = check("192.0.2.1", "alice@example.com");
        assertEquals(new SpfResult(AuthResult.TEMPERROR, "mailfrom", "alice@example.com", "example.com",
                "DNS TEMPFAIL for example.com TXT"), r);
    }

    @Test
    void temperrorWhenAnIncludeTargetTimesOut() {
        dns.txt("example.com", "v=spf1 include:_spf.provider.net -all").fail("TXT", "_spf.provider.net", Status.TIMEOUT);
        SpfResult r = check("192.0.2.1", "alice@example.com");
        assertResult(AuthResult.TEMPERROR, r);
        assertEquals("DNS TIMEOUT for _spf.provider.net TXT", r.reason());
    }

    @Test
    void temperrorWhenAnAddressLookupFails() {
        dns.txt("example.com", "v=spf1 a -all").fail("A", "example.com", Status.TEMPFAIL);
        assertResult(AuthResult.TEMPERROR, check("192.0.2.1", "alice@example.com"));
        dns.txt("mx.example.net", "v=spf1 mx -all").mx("mx.example.net", 10, "down.example.net")
                .fail("A", "down.example.net", Status.TIMEOUT);
        assertResult(AuthResult.TEMPERROR, check("192.0.2.1", "alice@mx.example.net"));
        dns.txt("exists.example.net", "v=spf1 exists:%{i}.list.example.net -all")
                .fail("A", "192.0.2.1.list.example.net", Status.TEMPFAIL);
        assertResult(AuthResult.TEMPERROR, check("192.0.2.1", "alice@exists.example.net"));
    }

    @Test
    void ptrLookupErrorsAreNoMatchNotTemperror() {
        dns.txt("example.com", "v=spf1 ptr -all").fail("PTR", "192.0.2.1", Status.TEMPFAIL);
        assertResult(AuthResult.FAIL, check("192.0.2.1", "alice@example.com"));
    }

    @Test
    void resolverExceptionsBecomeTemperror() {
        DnsResolver broken = new ForwardingDns(dns) {
            @Override
            public CompletionStage<DnsAnswer<String>> txt(String name) {
                if (name.equals("example.com")) {
                    throw new IllegalStateException("boom");
                }
                return CompletableFuture.failedFuture(new IllegalStateException("bang"));
            }
        };
        assertResult(AuthResult.TEMPERROR, result(new Spf(broken), "192.0.2.1", "alice@example.com"));
        assertResult(AuthResult.TEMPERROR, result(new Spf(broken), "192.0.2.1", "alice@example.net"));
    }

    // ------------------------------------------------------------------ identities and clients

    @Test
    void heloIdentityForTheNullSender() {
        dns.txt("mail.example.org", "v=spf1 a -all").a("mail.example.org", "192.0.2.9");
        assertEquals(new SpfResult(AuthResult.PASS, "helo", "postmaster@mail.example.org", "mail.example.org", "matched a"),
                check(FakeDns.ip("192.0.2.9"), "", "Mail.Example.ORG"));
        assertEquals("helo", check(FakeDns.ip("192.0.2.9"), null, "mail.example.org").identity());
        assertResult(AuthResult.FAIL, check(FakeDns.ip("192.0.2.10"), "", "mail.example.org"));
        // with a sender, HELO is only %{h}
        dns.txt("example.com", "v=spf1 exists:%{h}.helo.example.com -all").a("mail.example.org.helo.example.com", "127.0.0.2");
        SpfResult r = check(FakeDns.ip("192.0.2.10"), "alice@example.com", "mail.example.org");
        assertEquals("mailfrom", r.identity());
        assertResult(AuthResult.PASS, r);
    }

    @Test
    void addressLiteralHeloIsNone() {
        SpfResult r = check(FakeDns.ip("192.0.2.1"), "", "[192.0.2.1]");
        assertEquals(AuthResult.NONE, r.result());
        assertEquals("helo", r.identity());
        assertEquals("postmaster@[192.0.2.1]", r.sender());
        assertEquals("", r.domain());
        assertResult(AuthResult.NONE, check(FakeDns.ip("192.0.2.1"), "", "localhost"));
        assertEquals(0, dns.queries.get());
    }

    @Test
    void senderWithoutLocalPartIsPostmaster() {
        dns.txt("example.com", "v=spf1 exists:%{l}.users.%{o} -all").a("postmaster.users.example.com", "127.0.0.2");
        SpfResult r = check("192.0.2.1", "@example.com");
        assertResult(AuthResult.PASS, r);
        assertEquals("postmaster@example.com", r.sender());
    }

    @Test
    void ipv4MappedClientIsComparedAsIpv4() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        mapped[12] = (byte) 192;
        mapped[14] = 2;
        mapped[15] = 7;
        InetAddress client = Inet6Address.getByAddress(null, mapped, -1);
        assertInstanceOf(Inet6Address.class, client);
        dns.txt("example.com", "v=spf1 -ip6:::/0 ip4:192.0.2.0/24 -all");
        SpfResult r = check(client, "alice@example.com", "client.example.org");
        assertResult(AuthResult.PASS, r);
        assertEquals("matched ip4:192.0.2.0/24", r.reason());
        dns.txt("v.example.com", "v=spf1 exists:%{ir}.%{v}.list.example.com -all").a("7.2.0.192.in-addr.list.example.com", "127.0.0.2");
        assertResult(AuthResult.PASS, check(client, "alice@v.example.com", "client.example.org"));
    }

    @Test
    void cidrEdges() {
        assertEquals(AuthResult.PASS, record("v=spf1 ip4:0.0.0.0/0 -all", "203.0.113.9"));
        assertEquals(AuthResult.FAIL, check("2001:db8::1", "alice@example.com").result());

        assertEquals(AuthResult.PASS, fresh("v=spf1 ip4:192.0.2.1/32 -all", "192.0.2.1"));
        assertEquals(AuthResult.FAIL, fresh("v=spf1 ip4:192.0.2.1/32 -all", "192.0.2.0"));
        assertEquals(AuthResult.PASS, fresh("v=spf1 ip4:192.0.2.128/25 -all", "192.0.2.128"));
        assertEquals(AuthResult.PASS, fresh("v=spf1 ip4:192.0.2.200/25 -all", "192.0.2.255"));
        assertEquals(AuthResult.FAIL, fresh("v=spf1 ip4:192.0.2.128/25 -all", "192.0.2.127"));

        assertEquals(AuthResult.PASS, fresh("v=spf1 ip6:::/0 -all", "2001:db8::1"));
        assertEquals(AuthResult.FAIL, fresh("v=spf1 ip6:::/0 -all", "192.0.2.1"));
        assertEquals(AuthResult.PASS, fresh("v=spf1 ip6:2001:db8::cb01/128 -all", "2001:db8::cb01"));
        assertEquals(AuthResult.FAIL, fresh("v=spf1 ip6:2001:db8::cb01/128 -all", "2001:db8::cb00"));
        assertEquals(AuthResult.PASS, fresh("v=spf1 ip6:2001:db8:0:1::/64 -all", "2001:db8:0:1:ffff:ffff:ffff:ffff"));
        assertEquals(AuthResult.PASS, fresh("v=spf1 ip6:2001:db8:0:1::/64 -all", "2001:db8:0:1::"));
        assertEquals(AuthResult.FAIL, fresh("v=spf1 ip6:2001:db8:0:1::/64 -all", "2001:db8:0:2::"));
        assertEquals(AuthResult.FAIL, fresh("v=spf1 ip6:2001:db8:0:1::/64 -all", "2001:db8:0:0:ffff:ffff:ffff:ffff"));
        assertEquals(AuthResult.PASS, fresh("v=spf1 ip6:2001:db8:0:1:0:0:192.0.2.1/127 -all", "2001:db8:0:1::c000:200"));

        // dual CIDR on a: /24 for IPv4 clients, //64 for IPv6 clients
        FakeDns d = new FakeDns();
        d.txt("example.com", "v=spf1 a:hosts.example.net/24//64 -all").a("hosts.example.net", "198.51.100.1", "2001:db8:5::1");
        Spf s = new Spf(d);
        assertResult(AuthResult.PASS, result(s, "198.51.100.254", "alice@example.com"));
        assertResult(AuthResult.FAIL, result(s, "198.51.101.1", "alice@example.com"));
        assertResult(AuthResult.PASS, result(s, "2001:db8:5::ffff", "alice@example.com"));
        assertResult(AuthResult.FAIL, result(s, "2001:db8:6::1", "alice@example.com"));
    }

    private static AuthResult fresh(String record, String ip) {
        FakeDns d = new FakeDns();
        d.txt("example.com", record);
        return result(new Spf(d), ip, "alice@example.com").result();
    }

    private static SpfResult result(Spf spf, String ip, String mailFrom) {
        try {
            return spf.check(FakeDns.ip(ip), mailFrom, "client.example.org").toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the stage did not complete normally", e);
        }
    }

    // ------------------------------------------------------------------ macros

    private static final MacroVars RFC_V4 = new MacroVars("strong-bad", "email.example.com", "email.example.com",
            FakeDns.ip("192.0.2.3"), "mx.example.org", 1_700_000_000L);
    private static final MacroVars RFC_V6 = new MacroVars("strong-bad", "email.example.com", "email.example.com",
            FakeDns.ip("2001:db8::cb01"), "mx.example.org", 1_700_000_000L);

    private static MacroVars withClient(String ip) {
        return new MacroVars("strong-bad", "email.example.com", "email.example.com", FakeDns.ip(ip), "mx.example.org", 0);
    }

    private static String expand(String macroString, MacroVars vars) throws Spf.PermError {
        return Spf.expand(macroString, vars, false);
    }

    @Test
    void macroExpansionExamplesOfRfc7208() throws Exception {
        assertEquals("strong-bad@email.example.com", expand("%{s}", RFC_V4));
        assertEquals("email.example.com", expand("%{o}", RFC_V4));
        assertEquals("email.example.com", expand("%{d}", RFC_V4));
        assertEquals("email.example.com", expand("%{d4}", RFC_V4));
        assertEquals("email.example.com", expand("%{d3}", RFC_V4));
        assertEquals("example.com", expand("%{d2}", RFC_V4));
        assertEquals("com", expand("%{d1}", RFC_V4));
        assertEquals("com.example.email", expand("%{dr}", RFC_V4));
        assertEquals("example.email", expand("%{d2r}", RFC_V4));
        assertEquals("strong-bad", expand("%{l}", RFC_V4));
        assertEquals("strong.bad", expand("%{l-}", RFC_V4));
        assertEquals("strong-bad", expand("%{lr}", RFC_V4));
        assertEquals("bad.strong", expand("%{lr-}", RFC_V4));
        assertEquals("strong", expand("%{l1r-}", RFC_V4));
        assertEquals("3.2.0.192.in-addr._spf.example.com", expand("%{ir}.%{v}._spf.%{d2}", RFC_V4));
        assertEquals("bad.strong.lp._spf.example.com", expand("%{lr-}.lp._spf.%{d2}", RFC_V4));
        assertEquals("bad.strong.lp.3.2.0.192.in-addr._spf.example.com", expand("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", RFC_V4));
        assertEquals("3.2.0.192.in-addr.strong.lp._spf.example.com", expand("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", RFC_V4));
        assertEquals("example.com.trusted-domains.example.net", expand("%{d2}.trusted-domains.example.net", RFC_V4));
        assertEquals("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
                expand("%{ir}.%{v}._spf.%{d2}", RFC_V6));
    }

    @Test
    void macroSpecialsEscapingAndExplanationLetters() throws Exception {
        MacroVars v = new MacroVars("j.o+h/n~x", "example.com", "sub.example.com", FakeDns.ip("192.0.2.3"), "mx.example.org", 42);
        assertEquals("j.o%2Bh%2Fn~x", expand("%{L}", v));
        assertEquals("j.o%2Bh%2Fn~x%40example.com", expand("%{S}", v));
        assertEquals("com.example.sub", expand("%{DR}", v));
        assertEquals("j.o.h.n~x", expand("%{l+/}", v));
        assertEquals("h.n~x", expand("%{l2+/.}", v));
        assertEquals("100%. .%20.", expand("100%%.%_.%-.", v));
        assertEquals("mx.example.org.unknown", expand("%{h}.%{p}", v));
        assertEquals("2.0.0.1.0.d.b.8." + "0.".repeat(20) + "c.b.0.1", expand("%{i}", RFC_V6));
        assertEquals("ip6", expand("%{v}", RFC_V6));
        // c, r and t only in explanations
        assertEquals("2001:db8::cb01|2001%3Adb8%3A%3Acb01|unknown|1700000000", Spf.expand("%{c}|%{C}|%{r}|%{t}", RFC_V6, true));
        assertEquals("192.0.2.3", Spf.expand("%{c}", RFC_V4, true));
        assertEquals("2001:db8::1:0:0:1", Spf.expand("%{c}", withClient("2001:db8:0:0:1:0:0:1"), true));
        assertEquals("::1", Spf.expand("%{c}", withClient("::1"), true));
        assertEquals("2001:db8::", Spf.expand("%{c}", withClient("2001:db8::"), true));
        assertThrows(Spf.PermError.class, () -> expand("%{c}", v));
        assertThrows(Spf.PermError.class, () -> expand("%{r}", v));
        assertThrows(Spf.PermError.class, () -> expand("%{t}", v));
        assertThrows(Spf.PermError.class, () -> expand("%{d0}", v));
        assertThrows(Spf.PermError.class, () -> expand("%{x}", v));
        assertThrows(Spf.PermError.class, () -> expand("%x", v));
        assertThrows(Spf.PermError.class, () -> expand("%", v));
        assertThrows(Spf.PermError.class, () -> expand("%{d", v));
    }

    @Test
    void expansionsLongerThan253LoseLeftLabels() throws Exception {
        String l = "x".repeat(50);
        MacroVars v = new MacroVars(l, "example.com", "example.com", FakeDns.ip("192.0.2.3"), "h.example.org", 0);
        String spec = "%{l}.%{l}.%{l}.%{l}.%{l}.example.com";
        assertEquals(266, expand(spec, v).length());
        String truncated = (l + ".").repeat(4) + "example.com";
        assertEquals(truncated, Spf.targetName(spec, v));
        assertEquals("com", Spf.targetName("%{l}%{l}%{l}%{l}%{l}%{l}.com", v));
        assertEquals("", Spf.targetName("%{l}%{l}%{l}%{l}%{l}%{l}", v));
        MacroVars h = new MacroVars(l, "example.com", "example.com", FakeDns.ip("192.0.2.3"), "y".repeat(50), 0);
        assertEquals((l + ".").repeat(3) + "y".repeat(50) + ".example.com",
                Spf.targetName("%{l}.".repeat(40) + "%{h}.example.com", h), "a long expansion keeps its right end");

        dns.txt("example.com", "v=spf1 exists:" + spec + " -all").a(truncated, "127.0.0.2");
        assertResult(AuthResult.PASS, check("192.0.2.3", l + "@example.com"));
    }

    // ------------------------------------------------------------------ asynchrony

    @Test
    @Timeout(value = 5, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // fails, rather than hangs, if check() blocks
    void aHangingAnswerLeavesTheStageIncomplete() throws Exception {
        dns.hang("TXT", "example.com");
        dns.txt("nested.example.com", "v=spf1 ip4:198.51.100.1 include:_spf.slow.example.net -all").hang("TXT", "_spf.slow.example.net");
        CompletableFuture<SpfResult> top = spf.check(FakeDns.ip("192.0.2.1"), "alice@example.com", "h.example.org").toCompletableFuture();
        CompletableFuture<SpfResult> nested = spf.check(FakeDns.ip("192.0.2.1"), "alice@nested.example.com", "h.example.org")
                .toCompletableFuture();
        Thread.sleep(200);
        assertFalse(top.isDone());
        assertFalse(nested.isDone());
    }

    @Test
    @Timeout(value = 5, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // fails, rather than hangs, if check() blocks
    void answersArrivingLaterOnOtherThreadsAreChained() throws Exception {
        dns.txt("example.com", "v=spf1 a:h1.example.net mx include:_spf.provider.net -all")
                .a("h1.example.net", "198.51.100.1")
                .mx("example.com", 10, "mx.example.com")
                .a("mx.example.com", "198.51.100.2")
                .txt("_spf.provider.net", "v=spf1 exists:%{i}.list.provider.net -all")
                .a("192.0.2.1.list.provider.net", "127.0.0.2");
        Spf slow = new Spf(new ForwardingDns(dns) {
            @Override
            <T> CompletionStage<DnsAnswer<T>> answer(CompletionStage<DnsAnswer<T>> stage) {
                return stage.thenApplyAsync(a -> a, CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
            }
        });
        CompletableFuture<SpfResult> f = slow.check(FakeDns.ip("192.0.2.1"), "alice@example.com", "h.example.org").toCompletableFuture();
        assertFalse(f.isDone(), "check() returned before any answer");
        assertResult(AuthResult.PASS, f.get(4, TimeUnit.SECONDS));
    }

    @Test
    void neverThrowsAndReasonsStayShort() {
        assertResult(AuthResult.TEMPERROR, check(null, "alice@example.com", "h.example.org"));
        assertResult(AuthResult.NONE, check(FakeDns.ip("192.0.2.1"), null, null));
        dns.txt("example.com", "v=spf1 " + "x".repeat(5000) + " -all");
        assertResult(AuthResult.PERMERROR, check("192.0.2.1", "alice@example.com"));
        dns.txt("long.example.com", "v=spf1 include:" + "a".repeat(60) + "." + "b".repeat(60) + "." + "c".repeat(60) + ".example.com -all");
        assertResult(AuthResult.PERMERROR, check("192.0.2.1", "alice@long.example.com"));
        SpfResult r = check("192.0.2.1", "alice@" + "y".repeat(300) + ".example.com");
        assertResult(AuthResult.NONE, r);
    }

    /** Passes every question on; {@link #answer} may change the stage. */
    private static class ForwardingDns implements DnsResolver {
        private final DnsResolver inner;

        ForwardingDns(DnsResolver inner) {
            this.inner = inner;
        }

        <T> CompletionStage<DnsAnswer<T>> answer(CompletionStage<DnsAnswer<T>> stage) {
            return stage;
        }

        @Override
        public CompletionStage<DnsAnswer<String>> ptr(InetAddress address) {
            return answer(inner.ptr(address));
        }

        @Override
        public CompletionStage<DnsAnswer<InetAddress>> a(String name) {
            return answer(inner.a(name));
        }

        @Override
        public CompletionStage<DnsAnswer<InetAddress>> aaaa(String name) {
            return answer(inner.aaaa(name));
        }

        @Override
        public CompletionStage<DnsAnswer<MxRecord>> mx(String domain) {
            return answer(inner.mx(domain));
        }

        @Override
        public CompletionStage<DnsAnswer<String>> txt(String name) {
            return answer(inner.txt(name));
        }

        @Override
        public CompletionStage<DnsAnswer<TlsaRecord>> tlsa(String name) {
            return answer(inner.tlsa(name));
        }
    }
}
