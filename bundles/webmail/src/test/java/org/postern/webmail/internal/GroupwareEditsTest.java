package org.postern.webmail.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.postern.core.groupware.GroupwareItem;

/** Editing keeps what other apps wrote: only the form's properties change, in the master component. */
class GroupwareEditsTest {
    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static final String EVENT = String.join("\r\n", "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Apple//EN",
            "BEGIN:VEVENT", "UID:e1", "DTSTAMP:20261101T000000Z", "SEQUENCE:2", "DTSTART:20261110T080000Z",
            "DTEND:20261110T090000Z", "SUMMARY:Old", "LOCATION:Room 1", "BEGIN:VALARM", "ACTION:DISPLAY",
            "SUMMARY:alarm text", "TRIGGER:-PT15M", "END:VALARM", "END:VEVENT", "END:VCALENDAR", "");

    @Test
    void anEventGetsItsNewTitleAndTimesInTheAccountsZoneAndKeepsTheRest() {
        String edited = GroupwareViews.editedEvent(EVENT, "Dentist, at last", LocalDate.of(2026, 12, 10), "09:30", "10:15", NOW, BERLIN);
        assertTrue(edited.contains("DTSTART:20261210T083000Z\r\n"), edited);
        assertTrue(edited.contains("DTEND:20261210T091500Z\r\n"), edited);
        assertTrue(edited.contains("SUMMARY:Dentist\\, at last\r\n"), edited);
        assertTrue(edited.contains("SEQUENCE:3\r\n") && edited.contains("DTSTAMP:20261204T100000Z\r\n"), edited);
        assertFalse(edited.contains("SUMMARY:Old") || edited.contains("20261110T080000Z"), edited);
        assertTrue(edited.contains("LOCATION:Room 1") && edited.contains("SUMMARY:alarm text") && edited.contains("TRIGGER:-PT15M"), edited);
        // new properties go before the event's own END, not into the alarm
        assertTrue(edited.indexOf("SUMMARY:Dentist") > edited.indexOf("END:VALARM"), edited);
        assertTrue(GroupwareViews.editedEvent(EVENT, "Day off", LocalDate.of(2026, 12, 11), "", "", NOW, BERLIN)
                .contains("DTSTART;VALUE=DATE:20261211\r\nDTEND;VALUE=DATE:20261212\r\n"));
        assertThrows(IllegalArgumentException.class,
                () -> GroupwareViews.editedEvent(EVENT, "x", LocalDate.of(2026, 12, 11), "9 Uhr", "", NOW, BERLIN));
        assertThrows(IllegalArgumentException.class, () -> GroupwareViews.editedEvent(EVENT, "x", null, "", "", NOW, BERLIN));
    }

    @Test
    void aSeriesKeepsItsTimesAndItsExceptionsAndOnlyTheMasterIsRenamed() {
        String series = String.join("\r\n", "BEGIN:VCALENDAR", "BEGIN:VEVENT", "UID:s", "RECURRENCE-ID:20261208T080000Z",
                "DTSTART:20261208T100000Z", "SUMMARY:Moved once", "END:VEVENT", "BEGIN:VEVENT", "UID:s", "DTSTART:20261201T080000Z",
                "RRULE:FREQ=WEEKLY", "SUMMARY:Standup", "END:VEVENT", "END:VCALENDAR", "");
        String edited = GroupwareViews.editedEvent(series, "Daily sync", null, "", "", NOW, BERLIN);
        assertTrue(edited.contains("SUMMARY:Moved once") && edited.contains("SUMMARY:Daily sync"), edited);
        assertFalse(edited.contains("SUMMARY:Standup"), edited);
        assertTrue(edited.contains("DTSTART:20261201T080000Z") && edited.contains("RRULE:FREQ=WEEKLY"), edited);
        Map<String, Object> form = GroupwareViews.eventForm(new GroupwareItem("s.ics", "s", "\"1\"", series, "Standup",
                Instant.parse("2026-12-01T08:00:00Z"), Instant.parse("2026-12-01T09:00:00Z")), BERLIN);
        assertEquals(true, form.get("repeats"));
        assertEquals("09:00", form.get("start"));
    }

    @Test
    void aContactKeepsItsTypesAndOtherPropertiesAndAnEmptiedFieldGoes() {
        String card = String.join("\r\n", "BEGIN:VCARD", "VERSION:3.0", "N:Example;Ann;;;", "FN:Ann Example",
                "item1.EMAIL;TYPE=INTERNET,WORK:ann@old.example", "EMAIL;TYPE=HOME:ann@home.example", "TEL;TYPE=CELL:+1 555 0100",
                "NOTE:met at the conference", "END:VCARD", "");
        String edited = GroupwareViews.editedContact(card, "Ann B. Example", "ann@new.example", "");
        assertTrue(edited.contains("FN:Ann B. Example\r\n") && edited.contains("N:Example;Ann B.;;;\r\n"), edited);
        assertTrue(edited.contains("item1.EMAIL;TYPE=INTERNET,WORK:ann@new.example\r\n"), edited);
        assertTrue(edited.contains("EMAIL;TYPE=HOME:ann@home.example") && edited.contains("NOTE:met at the conference"), edited);
        assertFalse(edited.contains("TEL"), edited);
        Map<String, Object> form = GroupwareViews.contactForm(new GroupwareItem("a.vcf", "a", "\"1\"", card, "Ann Example", null, null));
        assertEquals("ann@old.example", form.get("email"));
        assertEquals("+1 555 0100", form.get("phone"));
        String bare = GroupwareViews.editedContact("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Bo\r\nEND:VCARD\r\n", "Bo", "bo@example.org", "+49 1");
        assertTrue(bare.contains("EMAIL:bo@example.org\r\nTEL:+49 1\r\nEND:VCARD"), bare);
    }

    @Test
    void aTaskGetsItsNewTitleAndDueDate() {
        String task = "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:t\r\nDUE:20261231T170000Z\r\nSUMMARY:Pay\r\nSTATUS:NEEDS-ACTION\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
        String edited = GroupwareViews.editedTask(task, "Pay rent", LocalDate.of(2027, 1, 3), NOW);
        assertTrue(edited.contains("DUE;VALUE=DATE:20270103\r\n") && edited.contains("SUMMARY:Pay rent\r\n"), edited);
        assertTrue(edited.contains("STATUS:NEEDS-ACTION") && !edited.contains("20261231"), edited);
        assertFalse(GroupwareViews.editedTask(task, "Pay", null, NOW).contains("DUE"));
    }
}
