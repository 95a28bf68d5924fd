package org.postern.api.address;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class DomainNameTest {

    @ParameterizedTest
    @CsvSource({
        "Example.COM,              example.com",
        "example.com.,             example.com",
        "'  mail.example.org  ',   mail.example.org",
        "Bücher.Example,           xn--bcher-kva.example",
        "BÜCHER.example.,          xn--bcher-kva.example",
        "xn--bcher-kva.example,    xn--bcher-kva.example",
        "a-b.c-d.example,          a-b.c-d.example"})
    void normalizes(String input, String expected) {
        assertEquals(expected, DomainName.normalize(input));
    }

    @Test
    void eszettDomainStaysDistinctFromDoubleS() {
        assertEquals("xn--fa-hia.de", DomainName.normalize("faß.de"));
        assertEquals("fass.de", DomainName.normalize("fass.de"));
        assertFalse(DomainName.normalize("faß.de").equals(DomainName.normalize("fass.de")),
                "faß.de and fass.de are two registrations (DENIC, since 2010)");
        assertEquals("xn--fa-hia.de", DomainName.normalize("xn--fa-hia.de"), "its A-label is kept as is");
        assertEquals("xn--fa-hia", DomainName.normalizeLabels("FAß"));
    }

    @Test
    void finalSigmaStaysDistinct() {
        // ς (final sigma) was mapped to σ by IDNA2003
        String finalSigma = DomainName.normalize("\u03c3\u03bf\u03c2.gr");
        String sigma = DomainName.normalize("\u03c3\u03bf\u03c3.gr");
        assertFalse(finalSigma.equals(sigma), finalSigma + " vs " + sigma);
    }

    @Test
    void zeroWidthJoinerOutsideItsContextIsRefused() {
        // IDNA2003 silently dropped ZWJ/ZWNJ; IDNA2008 (CONTEXTJ) allows them only after a virama
        assertThrows(IllegalArgumentException.class, () -> DomainName.normalize("a\u200db.example"));
        assertThrows(IllegalArgumentException.class, () -> DomainName.normalize("a\u200cb.example"));
    }

    @Test
    void rightToLeftLabelBreakingTheBidiRuleIsRefused() {
        // RFC 5893 rule 1: a right-to-left label starts with a right-to-left letter, not a digit
        assertThrows(IllegalArgumentException.class, () -> DomainName.normalize("1\u05d0.example"));
    }

    @Test
    void invalidPunycodeAfterXnIsRefused() {
        // "xn--a" decodes to U+0080, a control character: java.net.IDN passed ASCII labels through unchecked
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DomainName.normalize("xn--a.example"));
        assertEquals("not a valid domain name: xn--a.example", e.getMessage());
    }

    @Test
    void hyphensInThirdAndFourthPositionAreAcceptedAsDnsHasThem() {
        assertEquals("r3---sn-abc.example", DomainName.normalize("R3---sn-abc.example"));
        assertEquals("ab--cd.example", DomainName.normalize("ab--cd.example"));
    }

    @Test
    void fullWidthDotsSeparateLabels() {
        assertEquals("xn--bcher-kva.example", DomainName.normalize("b\u00fccher\u3002example"));
    }

    @Test
    void errorMessageNamesTheInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DomainName.normalize("under_score.com"));
        assertEquals("not a valid domain name: under_score.com", e.getMessage());
    }

    @Test
    void normalizeNeedsTwoLabels() {
        assertThrows(IllegalArgumentException.class, () -> DomainName.normalize("com"));
        assertThrows(IllegalArgumentException.class, () -> DomainName.normalize("localhost."));
    }

    @Test
    void normalizeLabelsAcceptsASingleLabel() {
        assertEquals("com", DomainName.normalizeLabels("COM"));
        assertEquals("com", DomainName.normalizeLabels("com."));
        assertEquals("example.com", DomainName.normalizeLabels("Example.Com"));
        assertEquals("xn--bcher-kva", DomainName.normalizeLabels("bücher"));
    }

    @Test
    void acceptsLabelOf63AndNameOf253Characters() {
        String label63 = "a".repeat(63);
        assertEquals(label63 + ".example", DomainName.normalize(label63 + ".example"));
        // 3 x 63 + 1 x 61 + 3 dots = 253
        String name = label63 + "." + label63 + "." + label63 + "." + "b".repeat(61);
        assertEquals(253, name.length());
        assertEquals(name, DomainName.normalize(name));
    }

    @Test
    void rejectsLabelOf64Characters() {
        assertThrows(IllegalArgumentException.class, () -> DomainName.normalize("a".repeat(64) + ".example"));
        assertThrows(IllegalArgumentException.class, () -> DomainName.normalizeLabels("a".repeat(64)));
    }

    @Test
    void rejectsNameLongerThan253() {
        String label63 = "a".repeat(63);
        String name = label63 + "." + label63 + "." + label63 + "." + "b".repeat(62);
        assertEquals(254, name.length());
        assertThrows(IllegalArgumentException.class, () -> DomainName.normalize(name));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", ".", "..", "example..com", ".example.com", "example.com..", "exa mple.com",
        "under_score.com", "-leading.com", "trailing-.com", "ex@mple.com"})
    void rejectsInvalidNames(String name) {
        assertThrows(IllegalArgumentException.class, () -> DomainName.normalize(name));
        assertThrows(IllegalArgumentException.class, () -> DomainName.normalizeLabels(name));
    }

    @Test
    void sameOrUnderAtLabelBoundariesOnly() {
        assertTrue(DomainName.isSameOrUnder("spammer.com", "spammer.com"));
        assertTrue(DomainName.isSameOrUnder("mail.spammer.com", "spammer.com"));
        assertTrue(DomainName.isSameOrUnder("a.b.spammer.com", "spammer.com"));
        assertFalse(DomainName.isSameOrUnder("notspammer.com", "spammer.com"));
        assertFalse(DomainName.isSameOrUnder("spammer.com", "mail.spammer.com"));
        assertFalse(DomainName.isSameOrUnder("spammer.com.evil.org", "spammer.com"));
        assertFalse(DomainName.isSameOrUnder("spammer.co", "spammer.com"));
    }
}
