package org.postern.dav.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CalendarDataTest {
    /**
     * Weekly at 09:00 Berlin time, five times from Monday 2026-03-02; the third (03-16) is
     * excluded, the fourth (03-23) moved to 14:00 with a new summary.
     */
    static final String WEEKLY = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Postern//Test//EN\r\n"
            + "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
            + "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
            + "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\n"
            + "TZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
            + "BEGIN:VEVENT\r\nUID:weekly@example.net\r\nDTSTAMP:20261203T100000Z\r\n"
            + "DTSTART;TZID=Europe/Berlin:20260302T090000\r\nDTEND;TZID=Europe/Berlin:20260302T100000\r\n"
            + "RRULE:FREQ=WEEKLY;COUNT=5\r\nEXDATE;TZID=Europe/Berlin:20260316T090000\r\nSUMMARY:Standup\r\n"
            + "X-CLIENT-THING;X-P=\"a;b\":kept\r\n"
            + "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:soon\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\n"
            + "BEGIN:VEVENT\r\nUID:weekly@example.net\r\nDTSTAMP:20261203T100000Z\r\n"
            + "RECURRENCE-ID;TZID=Europe/Berlin:20260323T090000\r\n"
            + "DTSTART;TZID=Europe/Berlin:20260323T140000\r\nDTEND;TZID=Europe/Berlin:20260323T150000\r\n"
            + "SUMMARY:Standup (moved)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    private static CalendarData of(String xml) throws CalendarData.Refused {
        try {
            return CalendarData.of(DavXml.parse(("<C:calendar-data xmlns:C=\"urn:ietf:params:xml:ns:caldav\">" + xml
                    + "</C:calendar-data>").getBytes(StandardCharsets.UTF_8)).getDocumentElement());
        } catch (DavXml.BadXml e) {
            throw new AssertionError(e);
        }
    }

    private static String apply(String xml, String data) throws CalendarData.Refused {
        return new String(of(xml).apply(data.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    private static List<String> all(String regex, String text) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(m.groupCount() > 0 ? 1 : 0));
        }
        return out;
    }

    @Test
    void withoutChildrenTheDataIsTheStoredBytes() throws Exception {
        assertTrue(of("").whole());
        assertEquals(WEEKLY, apply("", WEEKLY));
    }

    @Test
    void partialDataKeepsOnlyTheNamedPropertiesAndComponentsLineForLine() throws Exception {
        String out = apply("<C:comp name=\"VCALENDAR\"><C:prop name=\"VERSION\"/>"
                + "<C:comp name=\"VEVENT\"><C:prop name=\"UID\"/><C:prop name=\"X-CLIENT-THING\"/><C:prop name=\"DTSTART\" novalue=\"yes\"/></C:comp>"
                + "</C:comp>", WEEKLY);
        assertEquals("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                + "BEGIN:VEVENT\r\nUID:weekly@example.net\r\nDTSTART;TZID=\"Europe/Berlin\":\r\nX-CLIENT-THING;X-P=\"a;b\":kept\r\nEND:VEVENT\r\n"
                + "BEGIN:VEVENT\r\nUID:weekly@example.net\r\nDTSTART;TZID=\"Europe/Berlin\":\r\nEND:VEVENT\r\n"
                + "END:VCALENDAR\r\n", out, "no PRODID, no VTIMEZONE, no VALARM, no SUMMARY; the client's line exactly");
    }

    @Test
    void anEmptyCompKeepsAllOfItsComponentAndAllcompAllpropKeepEverything() throws Exception {
        String out = apply("<C:comp name=\"VCALENDAR\"><C:allprop/><C:comp name=\"VTIMEZONE\"/></C:comp>", WEEKLY);
        assertTrue(out.contains("BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\n"), out);
        assertTrue(out.contains("PRODID:-//Postern//Test//EN"));
        assertFalse(out.contains("VEVENT"));
        assertEquals(WEEKLY, apply("<C:comp name=\"VCALENDAR\"><C:allprop/><C:allcomp/></C:comp>", WEEKLY));
    }

    @Test
    void expandGivesOneComponentPerInstanceInTheRangeInUtcWithTheOverrideInItsPlace() throws Exception {
        // 2026-03-09 to 2026-03-30: instances 2 (03-09), 3 (03-16, excluded), 4 (03-23, moved); 5 is 03-30 09:00 Berlin
        String out = apply("<C:expand start=\"20260309T000000Z\" end=\"20260330T000000Z\"/>", WEEKLY);
        assertFalse(out.contains("VTIMEZONE"), out);
        assertFalse(out.contains("RRULE") || out.contains("EXDATE") || out.contains("TZID"), out);
        assertEquals(List.of("20260309T080000Z", "20260323T130000Z"), all("^DTSTART:([^\r\n]*)", out), "CET is UTC+1 until 03-29");
        assertEquals(List.of("20260309T080000Z", "20260323T080000Z"), all("^RECURRENCE-ID:([^\r\n]*)", out));
        assertEquals(List.of("20260309T090000Z", "20260323T140000Z"), all("^DTEND:([^\r\n]*)", out));
        assertEquals(List.of("Standup", "Standup (moved)"), all("^SUMMARY:([^\r\n]*)", out));
        assertEquals(1, all("BEGIN:VALARM", out).size(), "the master's alarm goes with its instance");
        assertEquals(1, all("X-CLIENT-THING;X-P=\"a;b\":kept", out).size());
        // after the change to summer time, 09:00 Berlin is 07:00 UTC
        String late = apply("<C:expand start=\"20260330T000000Z\" end=\"20260401T000000Z\"/>", WEEKLY);
        assertEquals(List.of("20260330T070000Z"), all("^DTSTART:([^\r\n]*)", late));
        String none = apply("<C:expand start=\"20270101T000000Z\" end=\"20270201T000000Z\"/>", WEEKLY);
        assertFalse(none.contains("VEVENT"), none);
    }

    @Test
    void expandTurnsAMovedInstanceOutOfTheRangeAwayAndKeepsOneThatMovedIn() throws Exception {
        // 03-23 09:00 Berlin was moved to 14:00: a range holding only the old time has no instance
        String out = apply("<C:expand start=\"20260323T075000Z\" end=\"20260323T090000Z\"/>", WEEKLY);
        assertFalse(out.contains("VEVENT"), out);
        String moved = apply("<C:expand start=\"20260323T125000Z\" end=\"20260323T131000Z\"/>", WEEKLY);
        assertEquals(List.of("20260323T130000Z"), all("^DTSTART:([^\r\n]*)", moved));
    }

    @Test
    void aLargeMasterTooManyTimesOverIsGivenUnexpanded() throws Exception {
        String big = "DESCRIPTION:" + "x".repeat(70) + "\r\n";
        String data = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:big\r\nDTSTAMP:20261203T100000Z\r\n"
                + "DTSTART:20260101T000000Z\r\nDTEND:20260101T003000Z\r\nRRULE:FREQ=HOURLY\r\n" + big.repeat(8_000)
                + "END:VEVENT\r\nEND:VCALENDAR\r\n"; // about 600 KB, hourly
        String out = apply("<C:expand start=\"20260101T000000Z\" end=\"20260201T000000Z\"/>", data);
        assertEquals(data, out, "744 instances of 600 KB would be 450 MB: the stored object instead");
        String small = data.replace(big.repeat(8_000), "");
        String expanded = apply("<C:expand start=\"20260101T000000Z\" end=\"20260201T000000Z\"/>", small);
        assertEquals(CalendarData.MAX_INSTANCES < 744 ? CalendarData.MAX_INSTANCES : 744, all("^DTSTART:", expanded).size());
    }

    @Test
    void allDayInstancesStayDates() throws Exception {
        String data = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:d\r\nDTSTAMP:20261203T100000Z\r\n"
                + "DTSTART;VALUE=DATE:20260101\r\nDTEND;VALUE=DATE:20260102\r\nRRULE:FREQ=DAILY;COUNT=10\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        String out = apply("<C:expand start=\"20260103T000000Z\" end=\"20260105T000000Z\"/>", data);
        assertEquals(List.of("20260103", "20260104"), all("^DTSTART;VALUE=DATE:([^\r\n]*)", out));
        assertEquals(List.of("20260103", "20260104"), all("^RECURRENCE-ID;VALUE=DATE:([^\r\n]*)", out));
    }

    @Test
    void limitRecurrenceSetKeepsTheMasterAndOnlyTheOverridesInTheRange() throws Exception {
        String in = apply("<C:limit-recurrence-set start=\"20260320T000000Z\" end=\"20260325T000000Z\"/>", WEEKLY);
        assertEquals(2, all("BEGIN:VEVENT", in).size());
        assertTrue(in.contains("RRULE:FREQ=WEEKLY;COUNT=5"), "the master as stored");
        String out = apply("<C:limit-recurrence-set start=\"20260301T000000Z\" end=\"20260310T000000Z\"/>", WEEKLY);
        assertEquals(1, all("BEGIN:VEVENT", out).size());
        assertFalse(out.contains("moved"));
    }

    @Test
    void limitFreebusySetKeepsThePeriodsInTheRange() throws Exception {
        String fb = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VFREEBUSY\r\nUID:f\r\nDTSTAMP:20261203T100000Z\r\n"
                + "FREEBUSY:20260101T090000Z/20260101T100000Z,20260105T090000Z/PT1H\r\n"
                + "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260110T090000Z/20260110T100000Z\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n";
        String out = apply("<C:limit-freebusy-set start=\"20260104T000000Z\" end=\"20260106T000000Z\"/>", fb);
        assertEquals(List.of("20260105T090000Z/PT1H"), all("^FREEBUSY:([^\r\n]*)", out));
        assertFalse(out.contains("BUSY-TENTATIVE"), out);
    }

    @Test
    void whatCannotBeHonouredIsRefusedWithThePreconditionOrA400() {
        CalendarData.Refused version = assertThrows(CalendarData.Refused.class, () -> CalendarData.of(DavXml.parse(
                "<C:calendar-data xmlns:C=\"urn:ietf:params:xml:ns:caldav\" version=\"1.0\"/>".getBytes(StandardCharsets.UTF_8))
                .getDocumentElement()));
        assertEquals("supported-calendar-data", version.precondition);
        assertEquals("max-date-time", assertThrows(CalendarData.Refused.class,
                () -> of("<C:expand start=\"20260101T000000Z\" end=\"20300101T000000Z\"/>")).precondition);
        assertNull(assertThrows(CalendarData.Refused.class, () -> of("<C:comp name=\"VEVENT\"/>")).precondition);
        assertNull(assertThrows(CalendarData.Refused.class, () -> of("<C:expand start=\"2026\" end=\"2027\"/>")).precondition);
        assertNull(assertThrows(CalendarData.Refused.class,
                () -> of("<C:expand start=\"20260101T000000Z\" end=\"20260201T000000Z\"/><C:limit-recurrence-set "
                        + "start=\"20260101T000000Z\" end=\"20260201T000000Z\"/>")).precondition, "one or the other");
    }

    @Test
    void instancesForCalendarViewsExpandRecurrenceWithOverridesAndExceptions() {
        String ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
                + "BEGIN:VEVENT\r\nUID:w\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20261102T090000Z\r\nDTEND:20261102T100000Z\r\n"
                + "RRULE:FREQ=WEEKLY;COUNT=5\r\nEXDATE:20261116T090000Z\r\nSUMMARY:weekly\r\nEND:VEVENT\r\n"
                + "BEGIN:VEVENT\r\nUID:w\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID:20261109T090000Z\r\n"
                + "DTSTART:20261109T140000Z\r\nDTEND:20261109T150000Z\r\nSUMMARY:moved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        java.util.List<java.time.Instant[]> in = CalendarData.instances(ics.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.time.Instant.parse("2026-11-01T00:00:00Z"), java.time.Instant.parse("2026-12-01T00:00:00Z"), 100);
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of("2026-11-02T09:00:00Z", "2026-11-09T14:00:00Z",
                "2026-11-23T09:00:00Z", "2026-11-30T09:00:00Z"), in.stream().map(i -> i[0].toString()).toList());
        org.junit.jupiter.api.Assertions.assertEquals("2026-11-09T15:00:00Z", in.get(1)[1].toString());
        org.junit.jupiter.api.Assertions.assertEquals(2, CalendarData.instances(ics.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.time.Instant.parse("2026-11-01T00:00:00Z"), java.time.Instant.parse("2026-12-01T00:00:00Z"), 2).size());
        org.junit.jupiter.api.Assertions.assertTrue(CalendarData.instances("not ical".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.time.Instant.EPOCH, java.time.Instant.parse("2030-01-01T00:00:00Z"), 10).isEmpty());
    }
}
