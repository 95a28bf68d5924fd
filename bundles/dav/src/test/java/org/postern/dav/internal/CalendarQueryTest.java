package org.postern.dav.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import net.fortuna.ical4j.data.CalendarBuilder;
import net.fortuna.ical4j.model.Calendar;
import org.junit.jupiter.api.Test;

class CalendarQueryTest {
    /** Weekly on Fridays 09:00-10:00 UTC from 4 Dec 2026, except 11 Dec. */
    static final String WEEKLY = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:w-1\r\n"
            + "DTSTAMP:20261203T100000Z\r\nDTSTART:20261204T090000Z\r\nDTEND:20261204T100000Z\r\nRRULE:FREQ=WEEKLY\r\n"
            + "EXDATE:20261211T090000Z\r\nSUMMARY:Team Sync\r\nLOCATION;LANGUAGE=en:Room 1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    static final String TASK = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nUID:t-1\r\nDTSTAMP:20261203T100000Z\r\n"
            + "SUMMARY:Pay rent\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";

    private static Calendar cal(String text) throws Exception {
        return new CalendarBuilder().build(new StringReader(text));
    }

    private static CalendarQuery query(String inner) throws Exception {
        String xml = "<C:filter xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><C:comp-filter name=\"VCALENDAR\">" + inner
                + "</C:comp-filter></C:filter>";
        return CalendarQuery.parse(DavXml.parse(xml.getBytes(StandardCharsets.UTF_8)).getDocumentElement());
    }

    private static String range(String start, String end) {
        return "<C:comp-filter name=\"VEVENT\"><C:time-range start=\"" + start + "\" end=\"" + end + "\"/></C:comp-filter>";
    }

    @Test
    void timeRangesSeeRecurrencesButNotExcludedOnes() throws Exception {
        Calendar weekly = cal(WEEKLY);
        assertTrue(query(range("20261204T093000Z", "20261204T094000Z")).matches(weekly), "the first instance");
        assertTrue(query(range("20270101T000000Z", "20270101T235959Z")).matches(weekly), "a Friday weeks later");
        assertFalse(query(range("20261211T000000Z", "20261211T235959Z")).matches(weekly), "the excluded Friday");
        assertFalse(query(range("20261205T000000Z", "20261210T000000Z")).matches(weekly), "between instances");
        assertFalse(query(range("20261101T000000Z", "20261201T000000Z")).matches(weekly), "before it starts");
        assertFalse(query(range("20261204T100000Z", "20261204T110000Z")).matches(weekly), "ranges are half-open");
    }

    @Test
    void componentsPropertiesAndParametersFilter() throws Exception {
        Calendar weekly = cal(WEEKLY);
        Calendar task = cal(TASK);
        assertTrue(query("<C:comp-filter name=\"VEVENT\"/>").matches(weekly));
        assertFalse(query("<C:comp-filter name=\"VEVENT\"/>").matches(task));
        assertTrue(query("<C:comp-filter name=\"VTODO\"><C:time-range start=\"20300101T000000Z\"/></C:comp-filter>").matches(task),
                "a task without dates matches every range");
        assertTrue(query("<C:comp-filter name=\"VEVENT\"><C:prop-filter name=\"SUMMARY\"><C:text-match>team SYNC</C:text-match>"
                + "</C:prop-filter></C:comp-filter>").matches(weekly));
        assertFalse(query("<C:comp-filter name=\"VEVENT\"><C:prop-filter name=\"SUMMARY\"><C:text-match collation=\"i;octet\">"
                + "team SYNC</C:text-match></C:prop-filter></C:comp-filter>").matches(weekly));
        assertFalse(query("<C:comp-filter name=\"VEVENT\"><C:prop-filter name=\"SUMMARY\"><C:text-match negate-condition=\"yes\">"
                + "Sync</C:text-match></C:prop-filter></C:comp-filter>").matches(weekly));
        assertTrue(query("<C:comp-filter name=\"VEVENT\"><C:prop-filter name=\"DESCRIPTION\"><C:is-not-defined/></C:prop-filter>"
                + "</C:comp-filter>").matches(weekly));
        assertTrue(query("<C:comp-filter name=\"VEVENT\"><C:prop-filter name=\"LOCATION\"><C:param-filter name=\"LANGUAGE\">"
                + "<C:text-match>EN</C:text-match></C:param-filter></C:prop-filter></C:comp-filter>").matches(weekly));
        assertTrue(query("<C:comp-filter name=\"VTODO\"><C:is-not-defined/></C:comp-filter>").matches(weekly));
    }

    private static String stamped(String start, String end) {
        return "<C:comp-filter name=\"VEVENT\"><C:prop-filter name=\"DTSTAMP\"><C:time-range start=\"" + start + "\" end=\""
                + end + "\"/></C:prop-filter></C:comp-filter>";
    }

    @Test
    void aTimeRangeOnADatePropertyMatchesItsValue() throws Exception {
        Calendar weekly = cal(WEEKLY); // DTSTAMP:20261203T100000Z
        assertTrue(query(stamped("20261203T000000Z", "20261204T000000Z")).matches(weekly));
        assertTrue(query(stamped("20261203T100000Z", "20261203T100001Z")).matches(weekly), "the start is in the range");
        assertFalse(query(stamped("20261203T090000Z", "20261203T100000Z")).matches(weekly), "the end is not");
        assertFalse(query(stamped("20261101T000000Z", "20261201T000000Z")).matches(weekly));
        assertFalse(query("<C:comp-filter name=\"VEVENT\"><C:prop-filter name=\"SUMMARY\"><C:time-range start=\"20000101T000000Z\"/>"
                + "</C:prop-filter></C:comp-filter>").matches(weekly), "a text property has no time");
        assertFalse(query("<C:comp-filter name=\"VEVENT\"><C:prop-filter name=\"COMPLETED\"><C:time-range start=\"20000101T000000Z\"/>"
                + "</C:prop-filter></C:comp-filter>").matches(weekly), "a property that is not there");
    }

    @Test
    void whatIsNotSupportedIsSaidSo() {
        assertEquals("supported-collation", assertThrows(CalendarQuery.Unsupported.class, () -> query(
                "<C:comp-filter name=\"VEVENT\"><C:prop-filter name=\"SUMMARY\"><C:text-match collation=\"i;unicode-casemap\">x"
                        + "</C:text-match></C:prop-filter></C:comp-filter>")).precondition);
        assertEquals("supported-filter", assertThrows(CalendarQuery.Unsupported.class, () -> query(
                "<C:comp-filter name=\"VEVENT\"><C:prop-filter name=\"DTSTART\"><C:unknown-thing/>"
                        + "</C:prop-filter></C:comp-filter>")).precondition);
        assertEquals("valid-filter", assertThrows(CalendarQuery.Unsupported.class,
                () -> query(range("20270101T000000Z", "20260101T000000Z"))).precondition);
        assertEquals("valid-filter", assertThrows(CalendarQuery.Unsupported.class,
                () -> query(range("yesterday", "20260101T000000Z"))).precondition);
    }

    @Test
    void busyTimeExpandsRecurrencesAndLeavesOutTransparentAndCancelledEvents() throws Exception {
        java.time.Instant start = java.time.Instant.parse("2026-12-01T00:00:00Z");
        java.time.Instant end = java.time.Instant.parse("2026-12-22T00:00:00Z");
        var busy = CalendarQuery.merge(CalendarQuery.busy(cal(WEEKLY), start, end));
        assertEquals(java.util.List.of(
                new CalendarQuery.Busy(java.time.Instant.parse("2026-12-04T09:00:00Z"), java.time.Instant.parse("2026-12-04T10:00:00Z"), "BUSY"),
                new CalendarQuery.Busy(java.time.Instant.parse("2026-12-18T09:00:00Z"), java.time.Instant.parse("2026-12-18T10:00:00Z"), "BUSY")),
                busy, "the 11th is excluded");
        assertTrue(CalendarQuery.busy(cal(WEEKLY.replace("SUMMARY", "TRANSP:TRANSPARENT\r\nSUMMARY")), start, end).isEmpty());
        assertTrue(CalendarQuery.busy(cal(WEEKLY.replace("SUMMARY", "STATUS:CANCELLED\r\nSUMMARY")), start, end).isEmpty());
        assertEquals("BUSY-TENTATIVE",
                CalendarQuery.busy(cal(WEEKLY.replace("SUMMARY", "STATUS:TENTATIVE\r\nSUMMARY")), start, end).get(0).type());
        var merged = CalendarQuery.merge(java.util.List.of(
                new CalendarQuery.Busy(java.time.Instant.parse("2026-12-04T09:00:00Z"), java.time.Instant.parse("2026-12-04T10:00:00Z"), "BUSY"),
                new CalendarQuery.Busy(java.time.Instant.parse("2026-12-04T09:30:00Z"), java.time.Instant.parse("2026-12-04T11:00:00Z"), "BUSY")));
        assertEquals(1, merged.size());
        assertEquals(java.time.Instant.parse("2026-12-04T11:00:00Z"), merged.get(0).end());
    }

    @Test
    void workStaysBoundedWhateverTheRangeAndTasksWithOnlyADueDateAreFound() throws Exception {
        String hourly = WEEKLY.replace("RRULE:FREQ=WEEKLY", "RRULE:FREQ=HOURLY").replace("DTSTART:20261204", "DTSTART:19500101");
        long t0 = System.nanoTime();
        assertTrue(query("<C:comp-filter name=\"VEVENT\"><C:time-range start=\"20300101T000000Z\"/></C:comp-filter>")
                .matches(cal(hourly)), "an open-ended range: matched without expanding");
        assertTrue(System.nanoTime() - t0 < java.util.concurrent.TimeUnit.SECONDS.toNanos(30));
        String due = TASK.replace("SUMMARY", "DUE:20261210T170000Z\r\nSUMMARY");
        assertTrue(query("<C:comp-filter name=\"VTODO\"><C:time-range start=\"20261210T000000Z\" end=\"20261211T000000Z\"/>"
                + "</C:comp-filter>").matches(cal(due)));
        assertFalse(query("<C:comp-filter name=\"VTODO\"><C:time-range start=\"20261211T000000Z\" end=\"20261212T000000Z\"/>"
                + "</C:comp-filter>").matches(cal(due)));
        assertEquals("valid-filter", assertThrows(CalendarQuery.Unsupported.class, () -> query(
                "<C:comp-filter name=\"VEVENT\"><C:prop-filter name=\"SUMMARY\"><C:text-match>" + "x".repeat(1025)
                        + "</C:text-match></C:prop-filter></C:comp-filter>")).precondition);
        String fb = "<C:time-range xmlns:C=\"urn:ietf:params:xml:ns:caldav\" start=\"20260101T000000Z\" end=\"20280101T000000Z\"/>";
        assertEquals("max-date-time", assertThrows(CalendarQuery.Unsupported.class, () -> CalendarQuery.range(
                DavXml.parse(fb.getBytes(StandardCharsets.UTF_8)).getDocumentElement())).precondition);
    }
}
