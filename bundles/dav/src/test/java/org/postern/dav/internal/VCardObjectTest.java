package org.postern.dav.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VCardObjectTest {
    /** A vCard 3.0 as Apple Contacts writes one: VERSION not first, a grouped label, an X- property folded. */
    static final String APPLE = "BEGIN:VCARD\r\nN:Lovelace;Ada;;;\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\n"
            + "item1.EMAIL;type=INTERNET;type=pref:ada@example.net\r\nitem1.X-ABLabel:_$!<Work>!$_\r\n"
            + "X-POSTERN-TEST;X-PARAM=\"a:b;c\":first part of a long value that Apple\r\n  folds onto the next line\r\n"
            + "REV:2020-01-01T00:00:00Z\r\nUID:ada-1@example.net\r\nEND:VCARD\r\n";

    private static VCardObject parse(String s) throws VCardObject.Invalid {
        return VCardObject.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String refused(String s) {
        return assertThrows(VCardObject.Invalid.class, () -> parse(s)).precondition;
    }

    @Test
    void storedCardHasVersionSecondAFreshRevAndEveryOtherLineAsWritten() throws Exception {
        VCardObject card = parse(APPLE);
        assertEquals("3.0", card.version);
        assertEquals("ada-1@example.net", card.uid);
        String stored = new String(card.stored(Instant.parse("2026-12-03T18:00:00Z")), StandardCharsets.UTF_8);
        List<String> lines = List.of(stored.split("\r\n"));
        assertEquals("BEGIN:VCARD", lines.get(0));
        assertEquals("VERSION:3.0", lines.get(1));
        assertTrue(stored.contains("X-POSTERN-TEST;X-PARAM=\"a:b;c\":first part of a long value that Apple\r\n  folds onto the next line\r\n"),
                stored);
        assertTrue(stored.contains("item1.X-ABLabel:_$!<Work>!$_\r\n"), stored);
        assertFalse(stored.contains("2020-01-01"), stored);
        assertTrue(stored.contains("\r\nREV:20261203T180000Z\r\nEND:VCARD\r\n"), stored);
        assertEquals(1, stored.split("VERSION:", -1).length - 1);
        // stored data reads back as the same card
        assertEquals("ada-1@example.net", VCardObject.parse(card.stored(Instant.now())).uid);
    }

    @Test
    void linesAreUnfoldedAndParametersUnquoted() throws Exception {
        VCardObject card = parse(APPLE);
        VCardObject.Line x = card.named("X-POSTERN-TEST").get(0);
        assertEquals("first part of a long value that Apple folds onto the next line", x.value());
        assertEquals(List.of("a:b;c"), x.params().get(0).values());
        VCardObject.Line mail = card.named("EMAIL").get(0);
        assertEquals("item1", mail.group());
        assertEquals("ada@example.net", mail.value());
        assertEquals(2, mail.params().size());
        assertEquals("Lovelace;Ada;;;", card.named("N").get(0).value());
        assertEquals("a,b;c\nd", new VCardObject.Line("", null, "NOTE", List.of(), "a\\,b\\;c\\nd").text());
    }

    @Test
    void whatIsNotOneCardWithAUidIsRefusedByPrecondition() {
        assertEquals("valid-address-data", refused("not a vcard"));
        assertEquals("valid-address-data", refused(APPLE.replace("UID:ada-1@example.net\r\n", "")));
        assertEquals("valid-address-data", refused(APPLE.replace("VERSION:3.0\r\n", "")));
        assertEquals("supported-address-data", refused(APPLE.replace("VERSION:3.0", "VERSION:2.1")));
        assertEquals("valid-address-data", refused(APPLE + APPLE));
        assertEquals("valid-address-data", refused(APPLE.replace("END:VCARD\r\n", "")));
        assertEquals("valid-address-data", refused(APPLE.replace("FN:Ada", "FN:A\u0007da")));
        assertEquals("valid-address-data", refused(APPLE.replace("FN:Ada Lovelace", "just words without a colon")));
        assertEquals("valid-address-data", refused(APPLE.replace("UID:ada-1@example.net", "UID:" + "u".repeat(256))));
        assertEquals("valid-address-data", refused(APPLE.replace("UID:ada-1@example.net", "UID:a\r\nUID:b")));
        assertEquals("valid-address-data", VCardObjectTest.refusedBytes(new byte[] {'B', (byte) 0xC3, '(', '\r', '\n'}));
    }

    @Test
    void whatEzVcardWouldReadOtherwiseOrWithoutBoundsIsRefused() {
        assertEquals("valid-address-data", refused(APPLE.replace("FN:Ada Lovelace\r\n", "FN:Ada\rUID:other\r\n")),
                "a lone CR ends a line for ez-vcard: one card, two UIDs");
        assertEquals("valid-address-data", refused(APPLE.replace("FN:Ada Lovelace", "NOTE;ENCODING=QUOTED-PRINTABLE:=00=1B")));
        assertEquals("valid-address-data", refused(APPLE.replace("FN:Ada Lovelace\r\n", "NOTE:x\r\n".repeat(VCardObject.MAX_LINES))));
        assertEquals("valid-address-data", refused(APPLE.replace("FN:Ada Lovelace", "X-A" + ";P=1".repeat(65) + ":x")));
        assertEquals("valid-address-data", refused(APPLE.replace("FN:Ada Lovelace", "X-A;TYPE=" + "a,".repeat(65) + "a:x")));
    }

    private static String refusedBytes(byte[] b) {
        return assertThrows(VCardObject.Invalid.class, () -> VCardObject.parse(b)).precondition;
    }

    @Test
    void convertsBetweenThreeAndFour() throws Exception {
        byte[] stored = parse(APPLE).stored(Instant.parse("2026-12-03T18:00:00Z"));
        String four = new String(VCardObject.convert(stored, "4.0"), StandardCharsets.UTF_8);
        assertTrue(four.contains("VERSION:4.0"), four);
        assertTrue(four.contains("ada@example.net"), four);
        assertTrue(four.contains("UID:ada-1@example.net"), four);
        VCardObject back = VCardObject.parse(four.getBytes(StandardCharsets.UTF_8));
        assertEquals("4.0", back.version);
        String three = new String(VCardObject.convert(four.getBytes(StandardCharsets.UTF_8), "3.0"), StandardCharsets.UTF_8);
        assertTrue(three.contains("VERSION:3.0"), three);
    }

    @Test
    void onlyKeepsNamedPropertiesAndWhatMakesItACard() throws Exception {
        String only = new String(parse(APPLE).only(Set.of("EMAIL")), StandardCharsets.UTF_8);
        assertEquals("BEGIN:VCARD\r\nVERSION:3.0\r\nitem1.EMAIL;type=INTERNET;type=pref:ada@example.net\r\n"
                + "UID:ada-1@example.net\r\nEND:VCARD\r\n", only);
    }
}
