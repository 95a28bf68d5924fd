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
