package org.postern.api.address;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class MailAddressTest {

    @Test
    void lowerCasesLocalPartAndDomain() {
        MailAddress a = MailAddress.parse("Alice.Smith@Example.NET");
        assertEquals("alice.smith", a.localPart());
        assertEquals("example.net", a.domain());
        assertEquals("alice.smith@example.net", a.toString());
    }

    @Test
    void acceptsAngleBracketsAndSurroundingWhitespace() {
        assertEquals("bob@example.org", MailAddress.parse("<bob@example.org>").toString());
        assertEquals("bob@example.org", MailAddress.parse("  <Bob@Example.org>  ").toString());
    }

    @Test
    void dropsTrailingDotOfDomain() {
        assertEquals("example.org", MailAddress.parse("carol@example.org.").domain());
    }

    @Test
    void eszettDomainIsAnotherMailboxThanDoubleS() {
        MailAddress eszett = MailAddress.parse("info@faß.de");
        assertEquals("xn--fa-hia.de", eszett.domain());
        assertNotEquals(MailAddress.parse("info@fass.de"), eszett);
    }

    @Test
    void convertsIdnDomainToPunycode() {
        MailAddress a = MailAddress.parse("x@BÜCHER.example.");
        assertEquals("x", a.localPart());
        assertEquals("xn--bcher-kva.example", a.domain());
        assertEquals(MailAddress.parse("x@xn--bcher-kva.example"), a);
    }

    @Test
    void sameMailboxInDifferentSpellingsIsEqual() {
        MailAddress a = MailAddress.parse("Dave@Example.com.");
        MailAddress b = MailAddress.parse("<dave@example.COM>");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, MailAddress.parse("dave@example.net"));
        assertNotEquals(a, MailAddress.parse("dave2@example.com"));
    }

    @Test
    void ofJoinsLocalPartAndDomain() {
        assertEquals(MailAddress.parse("erin@example.org"), MailAddress.of("Erin", "EXAMPLE.org"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "o'brien+tag@example.org",
        "a.b.c@example.org",
        "!#$%&'*+-/=?^_`{|}~@example.org",
        "user@sub.domain.example.co.uk"})
    void acceptsDotStringsOfAtext(String text) {
        assertEquals(text.toLowerCase(java.util.Locale.ROOT), MailAddress.parse(text).toString());
    }

    @Test
    void acceptsLocalPartOfExactly64Characters() {
        String local = "a".repeat(64);
        assertEquals(local, MailAddress.parse(local + "@example.org").localPart());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
        "   ",
        "alice",
        "@example.org",
        "alice@",
        "<>",
        ".alice@example.org",
        "alice.@example.org",
        "al..ice@example.org",
        "al ice@example.org",
        "al\u0085ice@example.org",
        "al\u00a0ice@example.org",
        "al\u200bice@example.org",
        "\"quoted\"@example.org",
        "a@b@example.org",
        "alice@localhost",
        "alice@exa_mple.org",
        "alice@-example.org",
        "alice@example..org",
        "alice@.example.org",
        "alice@example.org..",
        "alice@exa mple.org"})
    void rejectsInvalidAddresses(String text) {
        assertThrows(IllegalArgumentException.class, () -> MailAddress.parse(text));
    }

    @Test
    void acceptsUtf8LocalPartsInNfcAndLowerCase() {
        MailAddress composed = MailAddress.parse("Verk\u00e4ufer@Example.org");
        MailAddress decomposed = MailAddress.parse("verka\u0308ufer@example.org");
        assertEquals("verk\u00e4ufer@example.org", composed.toString());
        assertEquals(composed, decomposed, "NFC: one mailbox however the umlaut is typed");
        assertEquals(false, composed.isAscii());
        assertEquals(true, MailAddress.parse("alice@example.org").isAscii());
        assertEquals("\u7528\u6237@example.org", MailAddress.parse("\u7528\u6237@example.org").toString());
    }

    @Test
    void countsTheLocalPartLimitInUtf8Octets() {
        // 32 two-octet characters are 64 octets; 33 are 66
        MailAddress.parse("\u00e4".repeat(32) + "@example.org");
        assertThrows(IllegalArgumentException.class, () -> MailAddress.parse("\u00e4".repeat(33) + "@example.org"));
    }

    @Test
    void rejectsLocalPartLongerThan64() {
        assertThrows(IllegalArgumentException.class, () -> MailAddress.parse("a".repeat(65) + "@example.org"));
    }

    @Test
    void rejectsAddressLongerThan254() {
        // A valid domain (4 labels of 60) of 243 characters; with a 20-character local part: 264.
        String label = "d".repeat(60);
        String domain = label + "." + label + "." + label + "." + label;
        assertEquals(243, DomainName.normalize(domain).length());
        assertEquals(254, MailAddress.parse("a".repeat(10) + "@" + domain).toString().length());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MailAddress.parse("a".repeat(11) + "@" + domain));
        assertTrue(e.getMessage().contains("254"), e.getMessage());
    }

    @Test
    void errorMessageQuotesTheInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MailAddress.parse("bad..local@example.org"));
        assertTrue(e.getMessage().contains("bad..local@example.org"), e.getMessage());
    }
}
