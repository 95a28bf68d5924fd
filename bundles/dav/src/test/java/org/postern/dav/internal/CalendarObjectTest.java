package org.postern.dav.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.postern.core.store.DavRepository;

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
        CalendarObject event = parse(event("e-1@example.net", ""));
        assertEquals("VEVENT", event.component());
        assertEquals("e-1@example.net", event.uid());
        String task = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VTODO\r\nUID:t-1\r\nDTSTAMP:20261203T100000Z\r\n"
                + "SUMMARY:Pay rent\r\nDUE:20261210T170000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
        assertEquals("VTODO", parse(task).component());
        assertEquals("t-1", parse(task).uid());
        assertEquals(DavRepository.TimeSpan.UNKNOWN, parse(task).span(), "tasks are not indexed: every query reads them");
    }

    @Test
    void whatIsNotOneCalendarObjectIsRefusedByPrecondition() throws Exception {
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
    void timeZonesAreStandardOrDefinedAndFewPerObject() throws Exception {
        String berlin = event("z", "").replace("DTSTART:20261204T090000Z", "DTSTART;TZID=Europe/Berlin:20261204T090000");
        assertEquals("VEVENT", parse(berlin).component(), "a standard zone may be left out (RFC 7809)");
        assertEquals("valid-timezone", refused(berlin.replace("Europe/Berlin", "Mars/Olympus")));
        StringBuilder many = new StringBuilder();
        int n = 0;
        for (Timezones.Zone z : Timezones.all()) {
            if (n++ > Timezones.MAX_ZONES) {
                break;
            }
            many.append("EXDATE;TZID=").append(z.tzid()).append(":20261211T090000\r\n");
        }
        assertEquals("valid-calendar-object-resource", refused(event("many", "").replace("SUMMARY",
                "RRULE:FREQ=WEEKLY\r\n" + many + "SUMMARY")), "every zone left out comes back with every GET: bounded");
    }

    @Test
    void recurrenceMoreOftenThanHourlyIsRefused() throws Exception {
        assertEquals("valid-calendar-object-resource", refused(event("s", "").replace("SUMMARY", "RRULE:FREQ=SECONDLY\r\nSUMMARY")));
        assertEquals("valid-calendar-object-resource", refused(event("m", "").replace("SUMMARY", "RRULE:FREQ=MINUTELY\r\nSUMMARY")));
        // BY lists can make a coarse rule recur every second; EXRULE is expanded whatever it says
        assertEquals("valid-calendar-object-resource", refused(event("h", "").replace("SUMMARY",
                "RRULE:FREQ=HOURLY;BYMINUTE=0,30\r\nSUMMARY")));
        assertEquals("valid-calendar-object-resource", refused(event("d", "").replace("SUMMARY",
                "RRULE:FREQ=DAILY;BYHOUR=9,13,17;BYMINUTE=0,10,20,30,40,50;BYSECOND=0,30\r\nSUMMARY")));
        assertEquals("valid-calendar-object-resource", refused(event("y", "").replace("SUMMARY",
                "RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,"
                + "22,23,24,25,26,27,28;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=1,2,3,4,5\r\nSUMMARY")));
        assertEquals("valid-calendar-object-resource", refused(event("x", "").replace("SUMMARY",
                "RRULE:FREQ=DAILY;COUNT=10\r\nEXRULE:FREQ=HOURLY\r\nSUMMARY")));
        parse(event("ok", "").replace("SUMMARY", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9,13,17\r\nSUMMARY"));
        parse(event("ok2", "").replace("SUMMARY", "RRULE:FREQ=HOURLY;INTERVAL=2\r\nSUMMARY"));
    }

    private static final long MARGIN = CalendarObject.SPAN_MARGIN_SECONDS;

    private static long at(String instant) {
        return Instant.parse(instant).getEpochSecond();
    }

    @Test
    void anEventsSpanRunsFromItsStartToItsEndWidenedByTheMargin() throws Exception {
        assertEquals(new DavRepository.TimeSpan(at("2026-12-04T09:00:00Z") - MARGIN, at("2026-12-04T10:00:00Z") + MARGIN),
                parse(event("e", "")).span());
        String allDay = event("d", "").replace("DTSTART:20261204T090000Z\r\nDTEND:20261204T100000Z", "DTSTART;VALUE=DATE:20261224");
        assertEquals(new DavRepository.TimeSpan(at("2026-12-24T00:00:00Z") - MARGIN, at("2026-12-25T00:00:00Z") + MARGIN),
                parse(allDay).span(), "a day without an end lasts the day (RFC 4791 section 9.9)");
    }

    @Test
    void aRuleLeavesTheSpanOpenAfterTheFirstStartAndRdateLeavesItUnknown() throws Exception {
        String weekly = event("w", "").replace("SUMMARY", "RRULE:FREQ=WEEKLY\r\nSUMMARY");
        assertEquals(new DavRepository.TimeSpan(at("2026-12-04T09:00:00Z") - MARGIN, null), parse(weekly).span());
        String moved = weekly.replace("END:VCALENDAR", "BEGIN:VEVENT\r\nUID:w\r\nDTSTAMP:20261203T100000Z\r\n"
                + "RECURRENCE-ID:20261211T090000Z\r\nDTSTART:20261130T090000Z\r\nDTEND:20261130T100000Z\r\n"
                + "END:VEVENT\r\nEND:VCALENDAR");
        assertEquals(new DavRepository.TimeSpan(at("2026-11-30T09:00:00Z") - MARGIN, null), parse(moved).span(),
                "an instance moved before the first start widens the span");
        String rdate = event("r", "").replace("SUMMARY", "RDATE:20251204T090000Z\r\nSUMMARY");
        assertEquals(DavRepository.TimeSpan.UNKNOWN, parse(rdate).span());
    }

    @Test
    void aRuleThatEndsClosesTheSpanAfterItsLastInstance() throws Exception {
        String counted = event("c", "").replace("SUMMARY", "RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY");
        assertEquals(new DavRepository.TimeSpan(at("2026-12-04T09:00:00Z") - MARGIN, at("2026-12-18T10:00:00Z") + MARGIN),
                parse(counted).span());
        String until = event("u", "").replace("SUMMARY", "RRULE:FREQ=DAILY;UNTIL=20270110T090000Z\r\nSUMMARY");
        assertEquals(new DavRepository.TimeSpan(at("2026-12-04T09:00:00Z") - MARGIN, at("2027-01-10T10:00:00Z") + MARGIN),
                parse(until).span(), "the last start is at most UNTIL; it lasts the hour the first one does");
        String many = event("m", "").replace("SUMMARY", "RRULE:FREQ=DAILY;COUNT=" + (CalendarObject.MAX_COUNTED + 1) + "\r\nSUMMARY");
        assertEquals(new DavRepository.TimeSpan(at("2026-12-04T09:00:00Z") - MARGIN, null), parse(many).span(),
                "more instances than are worth expanding at PUT: open");
        // the length comes from DTEND even when no instance lies next to DTSTART (a Friday start, a Monday rule)
        String long3Days = event("l", "").replace("DTEND:20261204T100000Z", "DTEND:20261207T090000Z")
                .replace("SUMMARY", "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270301T090000Z\r\nSUMMARY");
        assertEquals(at("2027-03-01T09:00:00Z") + 3 * 86_400 + MARGIN, parse(long3Days).span().end());
        String mixed = counted.replace("SUMMARY", "RRULE:FREQ=MONTHLY;UNTIL=20270110T090000Z\r\nSUMMARY");
        assertEquals(null, parse(mixed).span().end());
    }

    /** The span exists to leave members out: it may never leave out one that the query matches. */
    @Test
    void everyEventAQueryMatchesHasASpanThatOverlapsTheQuerysRange() throws Exception {
        String[] bodies = {
            event("a", ""),
            event("b", "").replace("SUMMARY", "RRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY"),
            event("c", "").replace("DTEND:20261204T100000Z", "DURATION:P3D"),
            event("d", "").replace("DTEND:20261204T100000Z\r\n", ""),
            event("e", "").replace("DTSTART:20261204T090000Z\r\nDTEND:20261204T100000Z", "DTSTART:20261204T090000\r\nDTEND:20261204T100000"),
            event("f", "").replace("DTSTART:20261204T090000Z\r\nDTEND:20261204T100000Z", "DTSTART;VALUE=DATE:20261204\r\nDTEND;VALUE=DATE:20261206"),
            event("g", "").replace("SUMMARY", "RRULE:FREQ=YEARLY\r\nEXDATE:20271204T090000Z\r\nSUMMARY"),
            event("h", "").replace("SUMMARY", "RRULE:FREQ=WEEKLY;UNTIL=20270301T090000Z\r\nSUMMARY"),
            event("i", "").replace("DTSTART:20261204T090000Z\r\nDTEND:20261204T100000Z",
                    "DTSTART;VALUE=DATE:20261204\r\nRRULE:FREQ=MONTHLY;UNTIL=20270604"),
            event("j", "").replace("SUMMARY", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=20\r\nSUMMARY"),
            event("k", "").replace("DTSTART:20261204T090000Z\r\nDTEND:20261204T100000Z",
                    "DTSTART;TZID=America/New_York:20261204T220000\r\nDTEND;TZID=America/New_York:20261204T230000\r\n"
                    + "RRULE:FREQ=DAILY;UNTIL=20270105T030000Z"),
            event("l", "").replace("DTSTART:20261204T090000Z\r\nDTEND:20261204T100000Z",
                    "DTSTART:20261204T220000\r\nDTEND:20261205T010000\r\nRRULE:FREQ=MONTHLY;BYMONTHDAY=31;COUNT=4"),
        };
        int matched = 0;
        for (String body : bodies) {
            CalendarObject object = parse(body);
            net.fortuna.ical4j.model.Calendar calendar = CalendarObject.build(body.getBytes(StandardCharsets.UTF_8)).orElseThrow();
            for (long hour = -72; hour <= 24 * 400; hour += 7) {
                Instant start = Instant.parse("2026-12-01T00:00:00Z").plusSeconds(hour * 3600);
                Instant end = start.plusSeconds(3600 * (1 + (hour & 15)));
                CalendarQuery query = CalendarQuery.parse(DavXml.parse(("<C:filter xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
                        + "<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\"><C:time-range start=\""
                        + CalendarQuery.utc(start) + "\" end=\"" + CalendarQuery.utc(end) + "\"/></C:comp-filter></C:comp-filter>"
                        + "</C:filter>").getBytes(StandardCharsets.UTF_8)).getDocumentElement());
                if (query.matches(calendar)) {
                    matched++;
                    DavRepository.TimeSpan span = object.span();
                    boolean overlaps = (span.start() == null || span.start() < end.getEpochSecond())
                            && (span.end() == null || span.end() > start.getEpochSecond());
                    org.junit.jupiter.api.Assertions.assertTrue(overlaps, body + " matches " + start + ".." + end + " outside " + span);
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(matched > 20, "the ranges hit the events: " + matched);
    }
}
