package org.postern.mailauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postern.api.dns.DnsAnswer.Status;
import org.postern.mailauth.DmarcResult.Policy;

class DmarcTest {
    private final FakeDns dns = new FakeDns();

    private static HeaderFields header(String text) {
        try {
            // one octet per char: tests give raw octets (UTF-8 included) as ISO-8859-1 chars
            return HeaderFields.read(new ByteArrayInputStream((text + "\r\n").getBytes(StandardCharsets.ISO_8859_1)), 65536);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SpfResult spf(AuthResult r, String domain) {
        return new SpfResult(r, "mailfrom", "bounce@" + domain, domain, "");
    }

    private static DkimResult dkim(AuthResult r, String domain) {
        return new DkimResult(r, domain, "s1", "abcdefgh", "rsa-sha256", "");
    }

    private DmarcResult check(String from, SpfResult spf, DkimResult... dkim) throws Exception {
        return check(new Dmarc(dns, bound -> 0), "From: " + from + "\r\nSubject: x\r\n", spf, dkim);
    }

    private static DmarcResult check(Dmarc d, String header, SpfResult spf, DkimResult... dkim) throws Exception {
        return d.check(header(header), spf, List.of(dkim)).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void alignedSpfPassPasses() throws Exception {
        dns.txt("_dmarc.example.com", "v=DMARC1; p=reject");
        DmarcResult r = check("Alice <alice@example.com>", spf(AuthResult.PASS, "example.com"));
        assertEquals(AuthResult.PASS, r.result());
        assertEquals("example.com", r.fromDomain());
        assertFalse(r.rejects());
    }

    @Test
    void relaxedAlignmentAcceptsASubdomainOfTheSameOrganization() throws Exception {
        dns.txt("_dmarc.example.co.uk", "v=DMARC1; p=reject");
        assertEquals(AuthResult.PASS, check("a@example.co.uk", spf(AuthResult.PASS, "bounces.example.co.uk")).result());
        assertEquals(AuthResult.PASS, check("a@example.co.uk", null, dkim(AuthResult.PASS, "mail.example.co.uk")).result());
        // another organization under the same public suffix is not aligned
        DmarcResult other = check("a@example.co.uk", spf(AuthResult.PASS, "other.co.uk"), dkim(AuthResult.PASS, "co.uk"));
        assertEquals(AuthResult.FAIL, other.result());
        assertTrue(other.rejects());
    }

    @Test
    void strictAlignmentWantsTheExactDomain() throws Exception {
        dns.txt("_dmarc.example.com", "v=DMARC1; p=quarantine; adkim=s; aspf=s");
        DmarcResult r = check("a@example.com", spf(AuthResult.PASS, "mail.example.com"), dkim(AuthResult.PASS, "sub.example.com"));
        assertEquals(AuthResult.FAIL, r.result());
        assertEquals(Policy.QUARANTINE, r.policy());
        assertFalse(r.rejects(), "quarantine is recorded, not refused");
        assertEquals(AuthResult.PASS, check("a@example.com", null, dkim(AuthResult.PASS, "example.com")).result());
    }

    @Test
    void failWithRejectPolicyRejects() throws Exception {
        dns.txt("_dmarc.bank.example", "v=DMARC1; p=reject; rua=mailto:d@bank.example");
        DmarcResult r = check("\"Bank\" <service@bank.example>", spf(AuthResult.FAIL, "bank.example"),
                dkim(AuthResult.FAIL, "bank.example"), dkim(AuthResult.PASS, "attacker.example"));
        assertEquals(AuthResult.FAIL, r.result());
        assertEquals(Policy.REJECT, r.policy());
        assertTrue(r.rejects());
    }

    @Test
    void noRecordIsNone() throws Exception {
        DmarcResult r = check("a@nodmarc.example", spf(AuthResult.FAIL, "nodmarc.example"));
        assertEquals(AuthResult.NONE, r.result());
        assertFalse(r.rejects());
    }

    @Test
    void aSubdomainWithoutItsOwnRecordGetsTheOrganizationsSubdomainPolicy() throws Exception {
        dns.txt("_dmarc.example.org", "v=DMARC1; p=none; sp=reject");
        DmarcResult sub = check("a@news.example.org", spf(AuthResult.FAIL, "news.example.org"));
        assertEquals(AuthResult.FAIL, sub.result());
        assertEquals(Policy.REJECT, sub.policy());
        DmarcResult own = check("a@example.org", spf(AuthResult.FAIL, "example.org"));
        assertEquals(Policy.NONE, own.policy());
        assertFalse(own.rejects());
    }

    @Test
    void dnsFailureIsTemperrorAndNeverRejects() throws Exception {
        dns.fail("TXT", "_dmarc.flaky.example", Status.TEMPFAIL);
        DmarcResult r = check("a@flaky.example", spf(AuthResult.FAIL, "flaky.example"));
        assertEquals(AuthResult.TEMPERROR, r.result());
        assertFalse(r.rejects());
    }

    @Test
    void anAlignedTemporaryErrorIsTemperrorNotFail() throws Exception {
        dns.txt("_dmarc.example.net", "v=DMARC1; p=reject");
        DmarcResult r = check("a@example.net", spf(AuthResult.TEMPERROR, "example.net"), dkim(AuthResult.FAIL, "example.net"));
        assertEquals(AuthResult.TEMPERROR, r.result());
        assertFalse(r.rejects());
    }

    @Test
    void pctSamplesWhichFailuresAreEnforced() throws Exception {
        dns.txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=30");
        String h = "From: a@example.com\r\n";
        SpfResult fail = spf(AuthResult.FAIL, "example.com");
        assertTrue(check(new Dmarc(dns, bound -> 29), h, fail).rejects());
        DmarcResult spared = check(new Dmarc(dns, bound -> 30), h, fail);
        assertEquals(AuthResult.FAIL, spared.result());
        assertFalse(spared.rejects());
    }

    @Test
    void severalFromFieldsAreRefusedAndNoFromIsOnlyNoted() throws Exception {
        DmarcResult two = check(new Dmarc(dns), "From: a@example.com\r\nFrom: b@example.org\r\n", null);
        assertEquals(AuthResult.PERMERROR, two.result());
        assertTrue(two.rejects());
        DmarcResult none = check(new Dmarc(dns), "Subject: no author\r\n", null);
        assertEquals(AuthResult.PERMERROR, none.result());
        assertFalse(none.rejects(), "no From is noted, not refused");
    }

    @Test
    void everyDomainInFromIsCheckedAndTheStrictestCounts() throws Exception {
        dns.txt("_dmarc.friendly.example", "v=DMARC1; p=none");
        dns.txt("_dmarc.bank.example", "v=DMARC1; p=reject");
        DmarcResult r = check("a@friendly.example, b@bank.example", spf(AuthResult.PASS, "friendly.example"));
        assertEquals("bank.example", r.fromDomain());
        assertTrue(r.rejects());
        // an address hidden in an unquoted display name is checked too; a quoted one is a name
        DmarcResult hidden = check("service@bank.example <x@friendly.example>", spf(AuthResult.PASS, "friendly.example"));
        assertTrue(hidden.rejects());
        DmarcResult quoted = check("\"service@bank.example\" <x@friendly.example>", spf(AuthResult.PASS, "friendly.example"));
        assertEquals(AuthResult.PASS, quoted.result());
    }

    @Test
    void recordsAreReadStrictly() {
        assertNull(Dmarc.parse("v=spf1 -all"));
        assertNull(Dmarc.parse("p=reject; v=DMARC1"), "v=DMARC1 must come first");
        assertNull(Dmarc.parse("v=dmarc1; p=reject"), "the version is case-sensitive (RFC 7489 6.3)");
        Dmarc.Record r = Dmarc.parse("v=DMARC1;p=REJECT;pct=250;adkim=s");
        assertEquals(Policy.REJECT, r.p());
        assertEquals(Policy.REJECT, r.sp());
        assertEquals(100, r.pct());
        assertTrue(r.strictDkim());
        assertEquals(Policy.NONE, Dmarc.parse("v=DMARC1; p=bogus").p());
    }

    @Test
    void twoRecordsMeanNoPolicy() throws Exception {
        dns.txt("_dmarc.twice.example", "v=DMARC1; p=reject", "v=DMARC1; p=none");
        assertEquals(AuthResult.NONE, check("a@twice.example", spf(AuthResult.FAIL, "twice.example")).result());
    }

    @Test
    void aFromWithoutAUsableDomainIsRefusedAndTricksDoNotHideTheRealOne() throws Exception {
        dns.txt("_dmarc.paypal.com", "v=DMARC1; p=reject");
        SpfResult elsewhere = spf(AuthResult.PASS, "evil.example");
        for (String from : new String[] {"PayPal <@[192.0.2.1]:service@paypal.com>",
                "PayPal <service@paypal.com>, x@[192.0.2.1]", "Support @ PayPal <service@paypal.com>",
                "service@paypal.com\u00e2\u0080\u008b", "service@PAYPAL.COM."}) {
            DmarcResult r = check(from, elsewhere);
            assertEquals("paypal.com", r.fromDomain(), from);
            assertTrue(r.rejects(), from);
        }
        for (String from : new String[] {"\"PayPal <service@paypal.com>", "undisclosed", "a@[192.0.2.1]", "a@"}) {
            DmarcResult r = check(from, elsewhere);
            assertEquals(AuthResult.PERMERROR, r.result(), from);
            assertTrue(r.rejects(), from);
        }
    }

    @Test
    void anInternationalizedFromIsCheckedByItsDnsName() throws Exception {
        dns.txt("_dmarc.xn--bcher-kva.example", "v=DMARC1; p=reject");
        // "bücher" as the UTF-8 octets of the header (one char per octet, as HeaderFields gives them)
        String utf8AsOctets = new String("a@b\u00fccher.example".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        DmarcResult r = check(utf8AsOctets, spf(AuthResult.PASS, "evil.example"));
        assertEquals("xn--bcher-kva.example", r.fromDomain());
        assertTrue(r.rejects());
    }

    @Test
    void aTemporaryErrorUnderRejectDefersInsteadOfPassing() throws Exception {
        dns.txt("_dmarc.example.net", "v=DMARC1; p=reject");
        DmarcResult r = check("a@example.net", null, dkim(AuthResult.TEMPERROR, "servfail.example.net"));
        assertEquals(AuthResult.TEMPERROR, r.result());
        assertTrue(r.defers());
        dns.txt("_dmarc.lenient.example", "v=DMARC1; p=none");
        assertFalse(check("a@lenient.example", null, dkim(AuthResult.TEMPERROR, "lenient.example")).defers());
    }

    @Test
    void authorDomainsSkipCommentsAndQuotedNames() {
        assertEquals(List.of("example.com"), Dmarc.authorDomains(" (x@evil.example) \"A @ B\" <a@Example.COM.>"));
        assertEquals(List.of("a.example", "b.example"), Dmarc.authorDomains("x@a.example, Group: y@b.example, z@A.example;"));
        assertEquals(List.of(), Dmarc.authorDomains("undisclosed"));
        assertEquals(List.of(), Dmarc.authorDomains("a@[192.0.2.1]"));
    }
}
