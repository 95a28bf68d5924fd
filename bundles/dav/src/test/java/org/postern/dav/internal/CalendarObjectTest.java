package org.postern.dav.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CalendarObjectTest {
    static String event(String uid, String extra) {
        return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Postern//Test//EN\r\n" + extra + "BEGIN:VEVENT\r\nUID:" + uid
                + "\r\nDTSTAMP:20261203T100000Z\r\nDTSTART:20261204T090000Z\r\nDTEND:20261204T100000Z\r\nSUMMARY:Standup\r\n"
                + "END:VEVENT\r\nEND:VCALENDAR\r\n";
    }

    private static CalendarObject parse(String s) throws CalendarObject.Invalid {
        return CalendarObject.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String refused(String s) {
        return assertThrows(CalendarObject.Invalid.class, () -> parse(s)).precondition;
    }

    @Test
    void anEventAndATaskAreCalendarObjects() throws Exception {
        assertEquals(new CalendarObject("VEVENT", "e-1@example.net"), parse(event("e-1@example.net", "")));
        String task = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VTODO\r\nUID:t-1\r\nDTSTAMP:20261203T100000Z\r\n"
                + "SUMMARY:Pay rent\r\nDUE:20261210T170000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
        assertEquals(new CalendarObject("VTODO", "t-1"), parse(task));
    }

    @Test
    void whatIsNotOneCalendarObjectIsRefusedByPrecondition() {
        assertEquals("valid-calendar-data", refused("this is not iCalendar"));
        assertEquals("valid-calendar-data", refused("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"));
        assertEquals("valid-calendar-object-resource", refused(event("e-1", "METHOD:REQUEST\r\n")));
        String two = event("a", "").replace("END:VCALENDAR", "BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20261203T100000Z\r\n"
                + "DTSTART:20261205T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR");
        assertEquals("valid-calendar-object-resource", refused(two));
        assertEquals("valid-calendar-object-resource", refused(event("", "")));
        assertEquals("valid-calendar-object-resource", refused("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n"));
        String freebusy = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VFREEBUSY\r\nUID:f\r\nDTSTAMP:20261203T100000Z\r\n"
                + "END:VFREEBUSY\r\nEND:VCALENDAR\r\n";
        assertEquals("supported-calendar-component", refused(freebusy));
    }

    @Test
    void recurrenceMoreOftenThanHourlyIsRefused() {
        assertEquals("valid-calendar-object-resource", refused(event("s", "").replace("SUMMARY", "RRULE:FREQ=SECONDLY\r\nSUMMARY")));
        assertEquals("valid-calendar-object-resource", refused(event("m", "").replace("SUMMARY", "RRULE:FREQ=MINUTELY\r\nSUMMARY")));
    }
}
