package org.postern.dav.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TimezonesTest {
    private static final String BY_REFERENCE = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:b-1\r\n"
            + "DTSTAMP:20261203T100000Z\r\nDTSTART;TZID=Europe/Berlin:20261204T090000\r\nDTEND;TZID=Europe/Berlin:2026\r\n"
            + " 1204T100000\r\nX-CLIENT;X-P=\"a;TZID=no\":kept exactly\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void theStandardZonesAreIanasAndNothingElseIsLookedUp() {
        assertTrue(Timezones.isStandard("Europe/Berlin"));
        assertTrue(Timezones.isStandard("America/Argentina/Buenos_Aires"));
        assertFalse(Timezones.isStandard("Mars/Olympus"));
        assertFalse(Timezones.isStandard("../../etc/passwd"));
        assertFalse(Timezones.isStandard("Europe/Berlin.ics"));
        assertTrue(Timezones.all().size() > 300, "the IANA zones: " + Timezones.all().size());
        assertTrue(Timezones.zone("Europe/Berlin").orElseThrow().vtimezone().startsWith("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"));
    }

    @Test
    void aClientThatWantsTimezonesGetsTheMissingStandardOnesAndEveryStoredLineUntouched() {
        String out = text(Timezones.forClient(BY_REFERENCE.getBytes(StandardCharsets.UTF_8), true));
        assertEquals(1, out.split("BEGIN:VTIMEZONE", -1).length - 1, out);
        assertTrue(out.indexOf("TZID:Europe/Berlin\r\n") < out.indexOf("BEGIN:VEVENT"), "before the event: " + out);
        assertEquals(BY_REFERENCE, out.replaceAll("(?s)BEGIN:VTIMEZONE.*END:VTIMEZONE\r\n", ""), "the rest byte for byte");
        // and one that does not gets them taken out again
        byte[] back = Timezones.forClient(out.getBytes(StandardCharsets.UTF_8), false);
        assertEquals(BY_REFERENCE, text(back));
    }

    @Test
    void aZoneOnlyTheDataDefinesStaysAndIsNotReferenceable() {
        String custom = BY_REFERENCE.replace("Europe/Berlin", "Custom/Office").replace("BEGIN:VEVENT",
                "BEGIN:VTIMEZONE\r\nTZID:Custom/Office\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\n"
                + "TZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT");
        byte[] body = custom.getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(body, Timezones.forClient(body, false), "not standard: its definition stays");
        assertArrayEquals(body, Timezones.forClient(body, true), "defined: nothing to add");
        assertEquals(Set.of(), Timezones.undefined(body));
        String undefined = BY_REFERENCE.replace("Europe/Berlin", "Custom/Office");
        assertEquals(Set.of("Custom/Office"), Timezones.undefined(undefined.getBytes(StandardCharsets.UTF_8)));
        assertEquals(Set.of(), Timezones.undefined(BY_REFERENCE.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void tzidParametersAreReadLikeAnyParameterQuotedOrNot() {
        assertEquals(List.of("Europe/Berlin"), Timezones.tzidParameters("DTSTART;TZID=Europe/Berlin:20261204T090000"));
        assertEquals(List.of("America/New_York"), Timezones.tzidParameters("DTSTART;VALUE=DATE-TIME;tzid=\"America/New_York\":2026"));
        assertEquals(List.of(), Timezones.tzidParameters("X-CLIENT;X-P=\"a;TZID=no\":x;TZID=still-no"));
    }
}
