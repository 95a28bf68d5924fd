package org.postern.submission.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The TXT record, the policy file and MX pattern matching of RFC 8461, as a receiving domain publishes them. */
class MtaStsTest {
    @Test
    void theTxtRecordGivesItsIdWhenThereIsExactlyOneValidRecord() {
        assertEquals(Optional.of("20160831085700Z"), MtaSts.recordId(List.of("v=STSv1; id=20160831085700Z;")));
        assertEquals(Optional.of("abc"), MtaSts.recordId(List.of("v=spf1 -all", "v=STSv1;id=abc")),
                "other TXT records at the name are ignored");
        assertEquals(Optional.empty(), MtaSts.recordId(List.of("v=STSv1; id=a;", "v=STSv1; id=b;")),
                "two STS records: the domain has none");
        assertEquals(Optional.empty(), MtaSts.recordId(List.of("v=STSv1; id=has-dash;")), "id is letters and digits");
        assertEquals(Optional.empty(), MtaSts.recordId(List.of("v=STSv1; id=" + "a".repeat(33) + ";")), "at most 32");
        assertEquals(Optional.empty(), MtaSts.recordId(List.of("v=STSv1;")), "no id");
        assertEquals(Optional.empty(), MtaSts.recordId(List.of("v=STSv2; id=a;")), "another version");
        assertEquals(Optional.empty(), MtaSts.recordId(List.of()));
    }

    @Test
    void aPolicyFileIsReadWithEitherLineEnding() {
        MtaSts.Policy p = MtaSts.parsePolicy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
                + "mx: *.example.net\r\nmx: backupmx.example.com.\r\nmax_age: 604800\r\n").orElseThrow();
        assertEquals(MtaSts.Mode.ENFORCE, p.mode());
        assertEquals(List.of("mail.example.com", "*.example.net", "backupmx.example.com"), p.mx());
        assertEquals(Duration.ofDays(7), p.maxAge());
        assertEquals(MtaSts.Mode.TESTING,
                MtaSts.parsePolicy("version: STSv1\nmode: testing\nmx: mx.example.org\nmax_age: 86400\n").orElseThrow().mode());
        assertEquals(MtaSts.Mode.NONE, MtaSts.parsePolicy("version: STSv1\nmode: none\nmax_age: 86400\n").orElseThrow().mode(),
                "mode none needs no mx");
    }

    @Test
    void aBrokenPolicyIsNoPolicy() {
        assertEquals(Optional.empty(), MtaSts.parsePolicy("mode: enforce\nmx: a.example\nmax_age: 1\n"), "no version");
        assertEquals(Optional.empty(), MtaSts.parsePolicy("version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n"));
        assertEquals(Optional.empty(), MtaSts.parsePolicy("version: STSv1\nmode: enforce\nmax_age: 1\n"), "enforce without mx");
        assertEquals(Optional.empty(), MtaSts.parsePolicy("version: STSv1\nmode: enforce\nmx: a.example\n"), "no max_age");
        assertEquals(Optional.empty(), MtaSts.parsePolicy("version: STSv1\nmode: enforce\nmode: none\nmx: a\nmax_age: 1\n"),
                "a field twice");
        assertEquals(Optional.empty(), MtaSts.parsePolicy("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n"));
        assertEquals(Optional.empty(), MtaSts.parsePolicy("version: STSv1\nmode: enforce\nmx: a b\nmax_age: 1\n"));
        assertEquals(Optional.empty(), MtaSts.parsePolicy("<html>not a policy</html>"));
        assertEquals(Duration.ofSeconds(MtaSts.MAX_AGE_LIMIT), MtaSts.parsePolicy(
                "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 9999999999\n").orElseThrow().maxAge(),
                "max_age capped at about a year");
        assertTrue(MtaSts.parsePolicy("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1\nfuture: x\n").isPresent(),
                "unknown keys are ignored");
    }

    @Test
    void aWildcardStandsForExactlyOneLeftmostLabel() {
        assertTrue(MtaSts.matches("*.example.com", "mx1.example.com"));
        assertTrue(MtaSts.matches("*.example.com", "MX1.Example.COM."));
        assertFalse(MtaSts.matches("*.example.com", "a.b.example.com"));
        assertFalse(MtaSts.matches("*.example.com", "example.com"));
        assertFalse(MtaSts.matches("*.example.com", "evilexample.com"));
        assertTrue(MtaSts.matches("mail.example.com", "mail.example.com."));
        assertFalse(MtaSts.matches("mail.example.com", "mail.example.com.evil.test"));
    }
}
