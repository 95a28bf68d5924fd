package org.postern.dav.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import net.fortuna.ical4j.data.CalendarBuilder;
import net.fortuna.ical4j.data.ParserException;
import net.fortuna.ical4j.model.Calendar;
import net.fortuna.ical4j.model.Component;
import net.fortuna.ical4j.model.Property;
import net.fortuna.ical4j.model.Period;
import net.fortuna.ical4j.model.component.CalendarComponent;
import org.postern.core.store.DavRepository;

/**
 * A calendar object resource as RFC 4791 section 4.1 wants it: one iCalendar object whose
 * components (VTIMEZONE aside) are all of one type and share one UID, without METHOD. Parsed with
 * ical4j; what fails is named by the CalDAV precondition a PUT answers with.
 */
record CalendarObject(String component, String uid, DavRepository.TimeSpan span) {
    /**
     * How far a span is widened each side: more than any UTC offset (floating and all-day times
     * are read as UTC by the query, but a client's idea of them may be off by up to a day).
     */
    static final long SPAN_MARGIN_SECONDS = 2 * 86_400;
    /** The component types a calendar may take (RFC 4791 section 5.2.3, as Postern supports them). */
    static final Set<String> TYPES = Set.of(Component.VEVENT, Component.VTODO, Component.VJOURNAL);

    /** Why a body is not a calendar object: the CalDAV precondition element's local name. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final String precondition;

        Invalid(String precondition, String message) {
            super(message);
            this.precondition = precondition;
        }
    }

    /** The body parsed by ical4j, or empty when it is not iCalendar data. */
    static java.util.Optional<Calendar> build(byte[] body) {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        // ical4j finds its factories through the context class loader: its own, not the servlet container's.
        t.setContextClassLoader(CalendarBuilder.class.getClassLoader());
        try {
            return java.util.Optional.of(new CalendarBuilder().build(new ByteArrayInputStream(body)));
        } catch (ParserException | IOException | RuntimeException e) {
            return java.util.Optional.empty();
        } finally {
            t.setContextClassLoader(before);
        }
    }

    static CalendarObject parse(byte[] body) throws Invalid {
        // Control characters are valid to ical4j but not in XML: stored, they would break every
        // report that carries this object's data.
        for (byte x : body) {
            if ((x >= 0 && x < 0x20 && x != '\t' && x != '\n' && x != '\r') || x == 0x7f) {
                throw new Invalid("valid-calendar-data", "control character");
            }
        }
        Calendar calendar = build(body).orElseThrow(() -> new Invalid("valid-calendar-data", "not iCalendar data"));
        Timezones.Scan zones = Timezones.referencedAndDefined(body);
        if (zones.referenced().size() > Timezones.MAX_ZONES) {
            // each one a client does not send comes back added to every GET: bounded
            throw new Invalid("valid-calendar-object-resource", "more than " + Timezones.MAX_ZONES + " time zones");
        }
        if (!Timezones.undefined(zones).isEmpty()) {
            // RFC 7809 section 3.1.4: only a standard zone may be left out
            throw new Invalid("valid-timezone", "a TZID that is neither defined here nor a standard time zone");
        }
        if (calendar.getProperty(Property.METHOD).isPresent()) {
            throw new Invalid("valid-calendar-object-resource", "a calendar object carries no METHOD");
        }
        String type = null;
        String uid = null;
        List<CalendarComponent> components = calendar.getComponents();
        for (CalendarComponent c : components) {
            if (Component.VTIMEZONE.equals(c.getName())) {
                continue;
            }
            if (type == null) {
                type = c.getName();
            } else if (!type.equals(c.getName())) {
                throw new Invalid("valid-calendar-object-resource", "one component type per resource");
            }
            String u = c.getProperty(Property.UID).map(p -> ((Property) p).getValue()).orElse(null);
            if (u == null || u.isEmpty()) {
                throw new Invalid("valid-calendar-object-resource", "every component needs a UID");
            }
            if (uid == null) {
                uid = u;
            } else if (!uid.equals(u)) {
                throw new Invalid("valid-calendar-object-resource", "one UID per resource");
            }
        }
        if (type == null) {
            throw new Invalid("valid-calendar-object-resource", "no event, task or journal in it");
        }
        for (CalendarComponent c : components) {
            if (!c.getProperties(Property.EXRULE).isEmpty()) {
                // gone from RFC 5545; ical4j expands it over the whole query range whatever the rule
                throw new Invalid("valid-calendar-object-resource", "EXRULE (RFC 2445 only)");
            }
            for (Property rule : c.getProperties(Property.RRULE)) {
                if (!hourlyAtMost(((net.fortuna.ical4j.model.property.RRule<?>) rule).getRecur())) {
                    throw new Invalid("valid-calendar-object-resource", "recurrence more often than hourly");
                }
            }
        }
        if (!TYPES.contains(type)) {
            throw new Invalid("supported-calendar-component", type + " is not taken here");
        }
        if (uid.length() > 255) {
            throw new Invalid("valid-calendar-object-resource", "UID longer than 255 characters");
        }
        return new CalendarObject(type, uid, span(calendar));
    }

    /**
     * Where the events of {@code calendar} can match a time-range (RFC 4791 section 9.9), as
     * {@link CalendarQuery} evaluates it: from the earliest instance start to the latest instance
     * end, widened by {@link #SPAN_MARGIN_SECONDS}. Unbounded after the first start when a
     * component recurs by rule, unbounded both ways with RDATE (its dates may come before DTSTART).
     * Not events, or anything ical4j cannot place: {@link DavRepository.TimeSpan#UNKNOWN}, which
     * every query reads. A span may only ever be too wide: a member left out never matches.
     */
    static DavRepository.TimeSpan span(Calendar calendar) {
        Long first = null;
        Long last = null;
        boolean open = false;
        boolean any = false;
        try {
            for (CalendarComponent c : calendar.getComponents()) {
                if (Component.VTIMEZONE.equals(c.getName())) {
                    continue;
                }
                if (!Component.VEVENT.equals(c.getName())) {
                    return DavRepository.TimeSpan.UNKNOWN;
                }
                if (c.getProperty(Property.DTSTART).isEmpty()) {
                    continue; // never in a range (CalendarQuery.inRange)
                }
                if (c.getProperty(Property.RDATE).isPresent()) {
                    return DavRepository.TimeSpan.UNKNOWN;
                }
                boolean recurring = c.getProperty(Property.RRULE).isPresent();
                java.time.ZonedDateTime from = java.time.Instant.parse("0001-01-01T00:00:00Z").atZone(java.time.ZoneOffset.UTC);
                java.time.ZonedDateTime to = recurring
                        ? from // only the first instance is wanted: no expansion of the rule
                        : java.time.Instant.parse("9999-12-31T00:00:00Z").atZone(java.time.ZoneOffset.UTC);
                if (recurring) {
                    java.time.Instant start = CalendarQuery.instant(
                            ((net.fortuna.ical4j.model.property.DtStart<?>) c.getProperty(Property.DTSTART).get()).getDate());
                    first = min(first, start.getEpochSecond());
                    Long end = boundedEnd(c, start);
                    if (end == null) {
                        open = true;
                    } else {
                        last = last == null ? end : Math.max(last, end);
                    }
                    any = true;
                    continue;
                }
                for (Period<?> p : c.calculateRecurrenceSet(new Period<>(from, to))) {
                    long s = CalendarQuery.instant(p.getStart()).getEpochSecond();
                    long e = CalendarQuery.instant(p.getEnd()).getEpochSecond();
                    first = min(first, Math.min(s, e));
                    last = last == null ? Math.max(s, e) : Math.max(last, Math.max(s, e));
                    any = true;
                }
            }
        } catch (RuntimeException e) {
            return DavRepository.TimeSpan.UNKNOWN;
        }
        if (!any) {
            return DavRepository.TimeSpan.UNKNOWN;
        }
        return new DavRepository.TimeSpan(first - SPAN_MARGIN_SECONDS, open ? null : last + SPAN_MARGIN_SECONDS);
    }

    /** Most candidates one step of a rule may make (the product of its BY lists' sizes). */
    static final int MAX_RULE_CANDIDATES = 10_000;

    /**
     * True for a rule that recurs at most once an hour on average: not SECONDLY or MINUTELY, an
     * HOURLY one without several minutes or seconds, a coarser one with at most 24 times a day
     * (its BYHOUR x BYMINUTE x BYSECOND), and at most {@link #MAX_RULE_CANDIDATES} candidates per
     * step. Anything denser is unbounded work for every query that expands it (a BY list can
     * make an hourly rule recur every second).
     */
    static boolean hourlyAtMost(net.fortuna.ical4j.model.Recur<?> r) {
        String freq = String.valueOf(r.getFrequency());
        if (freq.equals("SECONDLY") || freq.equals("MINUTELY")) {
            return false;
        }
        int seconds = Math.max(1, r.getSecondList().size());
        int minutes = Math.max(1, r.getMinuteList().size());
        int hours = Math.max(1, r.getHourList().size());
        if (freq.equals("HOURLY") ? seconds * minutes > 1 : (long) seconds * minutes * hours > 24) {
            return false;
        }
        long candidates = 1;
        for (int size : new int[] {seconds, minutes, hours, r.getDayList().size(), r.getMonthDayList().size(),
            r.getYearDayList().size(), r.getWeekNoList().size(), r.getMonthList().size(), r.getSetPosList().size()}) {
            candidates *= Math.max(1, size);
            if (candidates > MAX_RULE_CANDIDATES) {
                return false;
            }
        }
        return true;
    }

    /** Rules with COUNT up to this many instances are expanded to find their last one. */
    static final int MAX_COUNTED = 1_000;

    /**
     * The latest instance end (epoch seconds) of a component whose rules all end: by UNTIL (the
     * last start is at most UNTIL, the end at most one instance length later) or all by a COUNT
     * of at most {@link #MAX_COUNTED} (expanded). Null when a rule recurs for ever, or mixes the
     * two: then the span stays open.
     */
    private static Long boundedEnd(CalendarComponent c, java.time.Instant start) {
        java.time.Instant lastStart = null;
        boolean counted = false;
        boolean until = false;
        for (Property p : c.getProperties(Property.RRULE)) {
            net.fortuna.ical4j.model.Recur<?> r = ((net.fortuna.ical4j.model.property.RRule<?>) p).getRecur();
            if (r.getUntil() != null) {
                java.time.Instant u = CalendarQuery.instant(r.getUntil());
                if (r.getUntil() instanceof java.time.LocalDate) {
                    u = u.plus(java.time.Duration.ofDays(1)); // the whole day, in any zone the margin covers
                }
                lastStart = lastStart == null || u.isAfter(lastStart) ? u : lastStart;
                until = true;
            } else if (r.getCount() > 0 && r.getCount() <= MAX_COUNTED) {
                counted = true;
            } else {
                return null;
            }
        }
        if (until == counted) {
            return null;
        }
        java.time.ZonedDateTime from = start.atZone(java.time.ZoneOffset.UTC).minusDays(1);
        // every instance of a rule lasts what the master does: its DTEND or DURATION, or what ical4j makes of it
        long length = declaredLength(c, start);
        if (counted) {
            // each rule's own starts, at most COUNT of them, streamed: never a set up to year 9999
            java.time.Instant latest = start;
            for (Property p : c.getProperties(Property.RRULE)) {
                @SuppressWarnings({"unchecked", "rawtypes"})
                net.fortuna.ical4j.model.Recur<java.time.temporal.Temporal> r = (net.fortuna.ical4j.model.Recur) ((net.fortuna.ical4j.model.property.RRule<?>) p).getRecur();
                java.time.temporal.Temporal seed = ((net.fortuna.ical4j.model.property.DtStart<?>) c.getProperty(Property.DTSTART).get()).getDate();
                // far enough for a thousand yearly instances; Instant takes no years, LocalDate no seconds
                java.time.temporal.Temporal end = seed instanceof java.time.LocalDate d ? d.plusYears(3000)
                        : seed.plus(java.time.Duration.ofDays(3000L * 366));
                java.util.Optional<java.time.temporal.Temporal> last = r.getDatesAsStream(seed, seed, end, r.getCount())
                        .limit(r.getCount()).reduce((a, b) -> b);
                if (last.isPresent()) {
                    java.time.Instant l = CalendarQuery.instant(last.get());
                    latest = l.isAfter(latest) ? l : latest;
                }
            }
            return latest.getEpochSecond() + length;
        }
        for (Period<?> period : c.calculateRecurrenceSet(new Period<>(from, start.atZone(java.time.ZoneOffset.UTC).plusDays(1)))) {
            length = Math.max(length, CalendarQuery.instant(period.getEnd()).getEpochSecond()
                    - CalendarQuery.instant(period.getStart()).getEpochSecond());
        }
        return lastStart.getEpochSecond() + length;
    }

    /** DTEND - DTSTART, or DURATION, in seconds (0 when neither reads); a day for a date without either. */
    private static long declaredLength(CalendarComponent c, java.time.Instant start) {
        try {
            java.util.Optional<Property> end = c.getProperty(Property.DTEND);
            if (end.isPresent() && end.get() instanceof net.fortuna.ical4j.model.property.DateProperty<?> d) {
                return Math.max(0, CalendarQuery.instant(d.getDate()).getEpochSecond() - start.getEpochSecond());
            }
            java.util.Optional<Property> duration = c.getProperty(Property.DURATION);
            if (duration.isPresent()) {
                java.time.temporal.TemporalAmount amount = ((net.fortuna.ical4j.model.property.Duration) duration.get()).getDuration();
                return Math.max(0, start.atZone(java.time.ZoneOffset.UTC).plus(amount).toInstant().getEpochSecond() - start.getEpochSecond());
            }
            boolean date = ((net.fortuna.ical4j.model.property.DtStart<?>) c.getProperty(Property.DTSTART).get()).getDate()
                    instanceof java.time.LocalDate;
            return date ? 86_400 : 0;
        } catch (RuntimeException unreadable) {
            return 0;
        }
    }

    private static Long min(Long a, long b) {
        return a == null ? b : Math.min(a, b);
    }
}
