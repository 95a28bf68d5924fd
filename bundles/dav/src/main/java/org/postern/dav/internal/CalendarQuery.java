package org.postern.dav.internal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.fortuna.ical4j.model.Calendar;
import net.fortuna.ical4j.model.Component;
import net.fortuna.ical4j.model.Parameter;
import net.fortuna.ical4j.model.Period;
import net.fortuna.ical4j.model.Property;
import net.fortuna.ical4j.model.component.CalendarComponent;
import net.fortuna.ical4j.model.component.VEvent;
import net.fortuna.ical4j.model.component.VToDo;
import org.w3c.dom.Element;

/**
 * The filter of an RFC 4791 calendar-query (section 9.7): comp-filter, prop-filter and
 * param-filter with is-not-defined, text-match (i;ascii-casemap, i;octet, negate-condition) and
 * time-range on components, with recurrence (RRULE, RDATE, EXDATE) expanded by ical4j. What it
 * does not support is refused when parsed, naming the precondition (supported-filter,
 * supported-collation, valid-filter), never silently ignored.
 *
 * <p>A recurring event whose instance was moved by an override (RECURRENCE-ID) still matches the
 * original instance's time: a false positive a client filters out, never a missed event.
 */
final class CalendarQuery {
    private static final String CALDAV = DavServlet.CALDAV;
    /** Longest text-match. */
    static final int MAX_TEXT = 1024;
    /**
     * Longest range over which a recurring component is expanded. Beyond it (an open-ended
     * range) a recurring component matches without expansion: a false positive a client filters,
     * and work that stays bounded whatever the rule.
     */
    static final java.time.Duration MAX_EXPANSION = java.time.Duration.ofDays(2 * 366);
    /** Longest free-busy range. */
    static final java.time.Duration MAX_FREE_BUSY = java.time.Duration.ofDays(366);
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** A filter element that cannot be evaluated: the CalDAV precondition to answer with. */
    static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;
        final String precondition;

        Unsupported(String precondition, String message) {
            super(message);
            this.precondition = precondition;
        }
    }

    private record TextMatch(String text, boolean caseless, boolean negate) {
        boolean matches(String value) {
            boolean found = caseless ? value.toLowerCase(Locale.ROOT).contains(text.toLowerCase(Locale.ROOT)) : value.contains(text);
            return found != negate;
        }
    }

    private record ParamFilter(String name, boolean notDefined, TextMatch text) {
    }

    private record PropFilter(String name, boolean notDefined, TextMatch text, Instant start, Instant end, List<ParamFilter> params) {
    }

    private record CompFilter(String name, boolean notDefined, Instant start, Instant end, List<PropFilter> props,
            List<CompFilter> comps) {
    }

    private final CompFilter root;
    /** Where floating and all-day times are read (RFC 4791 section 9.9): the query's or calendar's zone, else UTC. */
    private final java.time.ZoneId floating;

    private CalendarQuery(CompFilter root, java.time.ZoneId floating) {
        this.root = root;
        this.floating = floating;
    }

    /** The same query reading floating and all-day times in {@code zone}. */
    CalendarQuery in(java.time.ZoneId zone) {
        return new CalendarQuery(root, zone);
    }

    /** @param filter the CALDAV:filter element */
    static CalendarQuery parse(Element filter) throws Unsupported {
        List<Element> children = DavXml.children(filter);
        if (children.size() != 1 || !DavXml.is(children.get(0), CALDAV, "comp-filter")) {
            throw new Unsupported("valid-filter", "a filter holds one comp-filter");
        }
        CompFilter root = comp(children.get(0), 0);
        if (!root.name.equals("VCALENDAR")) {
            throw new Unsupported("valid-filter", "the outer comp-filter names VCALENDAR");
        }
        return new CalendarQuery(root, ZoneOffset.UTC);
    }

    /**
     * The [start, end) in which a matching object must have an event instance: the time-range of
     * a VEVENT comp-filter right under VCALENDAR (all of those must match), or null when the query
     * asks no such thing. What {@link CalendarObject#span} was made for.
     */
    Instant[] eventRange() {
        if (root.notDefined) {
            return null;
        }
        for (CompFilter f : root.comps) {
            if (f.name.equals("VEVENT") && !f.notDefined && f.start != null) {
                return new Instant[] {f.start, f.end};
            }
        }
        return null;
    }

    private static CompFilter comp(Element e, int depth) throws Unsupported {
        if (depth > 4) {
            throw new Unsupported("valid-filter", "comp-filters nest at most four deep");
        }
        String name = e.getAttribute("name").toUpperCase(Locale.ROOT);
        if (name.isEmpty()) {
            throw new Unsupported("valid-filter", "comp-filter needs a name");
        }
        boolean notDefined = false;
        Instant start = null;
        Instant end = null;
        List<PropFilter> props = new ArrayList<>();
        List<CompFilter> comps = new ArrayList<>();
        for (Element c : DavXml.children(e)) {
            if (DavXml.is(c, CALDAV, "is-not-defined")) {
                notDefined = true;
            } else if (DavXml.is(c, CALDAV, "time-range")) {
                start = time(c.getAttribute("start"), Instant.MIN);
                end = time(c.getAttribute("end"), Instant.MAX);
                if (!start.isBefore(end)) {
                    throw new Unsupported("valid-filter", "time-range start must be before its end");
                }
                if (!name.equals("VEVENT") && !name.equals("VTODO")) {
                    throw new Unsupported("supported-filter", "time-range on " + name);
                }
            } else if (DavXml.is(c, CALDAV, "prop-filter")) {
                props.add(prop(c));
            } else if (DavXml.is(c, CALDAV, "comp-filter")) {
                comps.add(comp(c, depth + 1));
            } else {
                throw new Unsupported("supported-filter", c.getLocalName());
            }
        }
        return new CompFilter(name, notDefined, start, end, List.copyOf(props), List.copyOf(comps));
    }

    private static Instant time(String value, Instant absent) throws Unsupported {
        if (value == null || value.isEmpty()) {
            return absent;
        }
        try {
            return Instant.from(UTC.parse(value));
        } catch (DateTimeParseException e) {
            throw new Unsupported("valid-filter", "time-range times are UTC date-times");
        }
    }

    private static PropFilter prop(Element e) throws Unsupported {
        String name = e.getAttribute("name").toUpperCase(Locale.ROOT);
        boolean notDefined = false;
        TextMatch text = null;
        Instant start = null;
        Instant end = null;
        List<ParamFilter> params = new ArrayList<>();
        for (Element c : DavXml.children(e)) {
            if (DavXml.is(c, CALDAV, "is-not-defined")) {
                notDefined = true;
            } else if (DavXml.is(c, CALDAV, "text-match")) {
                text = text(c);
            } else if (DavXml.is(c, CALDAV, "param-filter")) {
                String pname = c.getAttribute("name").toUpperCase(Locale.ROOT);
                boolean pnd = false;
                TextMatch ptext = null;
                for (Element pc : DavXml.children(c)) {
                    if (DavXml.is(pc, CALDAV, "is-not-defined")) {
                        pnd = true;
                    } else if (DavXml.is(pc, CALDAV, "text-match")) {
                        ptext = text(pc);
                    } else {
                        throw new Unsupported("supported-filter", pc.getLocalName());
                    }
                }
                params.add(new ParamFilter(pname, pnd, ptext));
            } else if (DavXml.is(c, CALDAV, "time-range")) {
                // section 9.9: on a date or date-time property (DTSTAMP, COMPLETED, LAST-MODIFIED, ...)
                start = time(c.getAttribute("start"), Instant.MIN);
                end = time(c.getAttribute("end"), Instant.MAX);
                if (!start.isBefore(end)) {
                    throw new Unsupported("valid-filter", "time-range start must be before its end");
                }
            } else {
                throw new Unsupported("supported-filter", c.getLocalName());
            }
        }
        return new PropFilter(name, notDefined, text, start, end, List.copyOf(params));
    }

    private static TextMatch text(Element e) throws Unsupported {
        String collation = e.getAttribute("collation");
        boolean caseless;
        if (collation.isEmpty() || collation.equals("i;ascii-casemap")) {
            caseless = true;
        } else if (collation.equals("i;octet")) {
            caseless = false;
        } else {
            throw new Unsupported("supported-collation", collation);
        }
        String text = e.getTextContent();
        if (text.length() > MAX_TEXT) {
            throw new Unsupported("valid-filter", "text-match longer than " + MAX_TEXT + " characters");
        }
        return new TextMatch(text, caseless, "yes".equalsIgnoreCase(e.getAttribute("negate-condition")));
    }

    boolean matches(Calendar calendar) {
        // The root filter is about the VCALENDAR: its properties and its components.
        for (PropFilter p : root.props) {
            if (!matchesProp(calendar.getProperties(p.name), p, floating)) {
                return false;
            }
        }
        for (CompFilter c : root.comps) {
            if (!matchesComps(calendar.getComponents(), c)) {
                return false;
            }
        }
        return !root.notDefined;
    }

    private boolean matchesComps(List<? extends Component> components, CompFilter f) {
        List<Component> named = new ArrayList<>();
        for (Component c : components) {
            if (c.getName().equalsIgnoreCase(f.name)) {
                named.add(c);
            }
        }
        if (f.notDefined) {
            return named.isEmpty();
        }
        for (Component c : named) {
            if (matchesComp(c, f)) {
                return true;
            }
        }
        return false;
    }

    private boolean matchesComp(Component c, CompFilter f) {
        if (f.start != null && !inRange(c, f.start, f.end, floating)) {
            return false;
        }
        for (PropFilter p : f.props) {
            if (!matchesProp(c.getProperties(p.name), p, floating)) {
                return false;
            }
        }
        for (CompFilter sub : f.comps) {
            List<Component> children = new ArrayList<>();
            if (c instanceof VEvent e) {
                children.addAll(e.getAlarms());
            } else if (c instanceof VToDo t) {
                children.addAll(t.getAlarms());
            }
            if (!matchesComps(children, sub)) {
                return false;
            }
        }
        return true;
    }

    private static boolean matchesProp(List<Property> props, PropFilter f, java.time.ZoneId zone) {
        if (f.notDefined) {
            return props.isEmpty();
        }
        for (Property p : props) {
            if (f.text != null && !f.text.matches(p.getValue())) {
                continue;
            }
            if (f.start != null && !dateIn(p, f.start, f.end, zone)) {
                continue;
            }
            boolean all = true;
            for (ParamFilter pf : f.params) {
                List<Parameter> ps = p.getParameters(pf.name);
                boolean ok;
                if (pf.notDefined) {
                    ok = ps.isEmpty();
                } else {
                    ok = !ps.isEmpty() && (pf.text == null || ps.stream().anyMatch(x -> pf.text.matches(x.getValue())));
                }
                if (!ok) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /** A date or date-time property's value lies in [start, end); any other property never does. */
    private static boolean dateIn(Property p, Instant start, Instant end, java.time.ZoneId zone) {
        if (!(p instanceof net.fortuna.ical4j.model.property.DateProperty<?> d)) {
            return false;
        }
        try {
            Instant t = instant(d.getDate(), zone);
            return !t.isBefore(start) && t.isBefore(end);
        } catch (RuntimeException unreadable) {
            return false;
        }
    }

    /** An occurrence overlaps [start, end): ical4j expands RRULE, RDATE and EXDATE over the range. */
    private static boolean inRange(Component c, Instant start, Instant end, java.time.ZoneId zone) {
        if (c instanceof VToDo && c.getProperty(Property.DTSTART).isEmpty()) {
            java.util.Optional<Property> due = c.getProperty(Property.DUE);
            if (due.isEmpty()) {
                return true; // RFC 4791 section 9.9: such a task matches every range
            }
            try {
                Instant d = instant(((net.fortuna.ical4j.model.property.Due<?>) due.get()).getDate(), zone);
                return start.isBefore(d) && !end.isBefore(d); // section 9.9, DUE alone
            } catch (RuntimeException e) {
                return true;
            }
        }
        if (c.getProperty(Property.DTSTART).isEmpty()) {
            return false;
        }
        boolean recurring = c.getProperty(Property.RRULE).isPresent() || c.getProperty(Property.RDATE).isPresent();
        if (recurring && (start == Instant.MIN || end == Instant.MAX
                || java.time.Duration.between(start, end).compareTo(MAX_EXPANSION) > 0)) {
            return true;
        }
        // a day wider than asked: floating instances are placed in the zone below, which ical4j does not know
        ZonedDateTime from = (start == Instant.MIN ? Instant.parse("0001-01-02T00:00:00Z") : start).atZone(ZoneOffset.UTC).minusDays(1);
        ZonedDateTime to = (end == Instant.MAX ? Instant.parse("9999-12-30T00:00:00Z") : end).atZone(ZoneOffset.UTC).plusDays(1);
        try {
            for (Period<?> p : ((CalendarComponent) c).calculateRecurrenceSet(new Period<>(from, to))) {
                // ical4j's overlap counts touching ends; RFC 4791 section 9.9 does not:
                // start < instance end and end > instance start (a zero-length instance: start <= it < end)
                Instant s = instant(p.getStart(), zone);
                Instant e = instant(p.getEnd(), zone);
                if (s.equals(e) ? !start.isAfter(s) && end.isAfter(s) : start.isBefore(e) && end.isAfter(s)) {
                    return true;
                }
            }
            return false;
        } catch (RuntimeException e) {
            return true; // what ical4j cannot expand (odd date forms) is kept: a false positive, never a miss
        }
    }

    /** A floating or all-day time taken as UTC. */
    static Instant instant(java.time.temporal.Temporal t) {
        return instant(t, ZoneOffset.UTC);
    }

    /** A time as an instant, floating and all-day times read in {@code zone}. */
    static Instant instant(java.time.temporal.Temporal t, java.time.ZoneId zone) {
        if (t instanceof java.time.chrono.ChronoZonedDateTime<?> z) {
            return z.toInstant();
        }
        if (t instanceof java.time.OffsetDateTime o) {
            return o.toInstant();
        }
        if (t instanceof Instant i) {
            return i;
        }
        if (t instanceof java.time.LocalDateTime l) {
            return l.atZone(zone).toInstant();
        }
        if (t instanceof java.time.LocalDate d) {
            return d.atStartOfDay(zone).toInstant();
        }
        throw new java.time.DateTimeException("unknown time " + t);
    }

    /** A busy time for free-busy-query: [start, end) and its FBTYPE. */
    record Busy(Instant start, Instant end, String type) {
    }

    /**
     * RFC 4791 section 7.10: the busy times of a calendar object's events within [start, end):
     * every instance (RRULE, RDATE, EXDATE expanded) of a VEVENT that is not TRANSPARENT and not
     * CANCELLED, clipped to the range; TENTATIVE ones as BUSY-TENTATIVE.
     */
    static List<Busy> busy(Calendar calendar, Instant start, Instant end) {
        List<Busy> out = new ArrayList<>();
        ZonedDateTime from = start.atZone(ZoneOffset.UTC);
        ZonedDateTime to = end.atZone(ZoneOffset.UTC);
        for (CalendarComponent c : calendar.getComponents()) {
            if (!(c instanceof VEvent)) {
                continue;
            }
            String transp = c.getProperty(Property.TRANSP).map(p -> ((Property) p).getValue()).orElse("OPAQUE");
            String status = c.getProperty(Property.STATUS).map(p -> ((Property) p).getValue()).orElse("CONFIRMED");
            if (transp.equalsIgnoreCase("TRANSPARENT") || status.equalsIgnoreCase("CANCELLED")
                    || c.getProperty(Property.DTSTART).isEmpty()) {
                continue;
            }
            String type = status.equalsIgnoreCase("TENTATIVE") ? "BUSY-TENTATIVE" : "BUSY";
            try {
                for (Period<?> p : c.calculateRecurrenceSet(new Period<>(from, to))) {
                    Instant s = instant(p.getStart());
                    Instant e = instant(p.getEnd());
                    if (s.isBefore(end) && e.isAfter(start) && e.isAfter(s)) {
                        out.add(new Busy(s.isBefore(start) ? start : s, e.isAfter(end) ? end : e, type));
                    }
                }
            } catch (RuntimeException unexpandable) {
                // skipped: free-busy is advice, and an event ical4j cannot expand has no instances to give
            }
        }
        return out;
    }

    /** Busy times sorted and merged where they overlap or touch, per type. */
    static List<Busy> merge(List<Busy> all) {
        List<Busy> sorted = new ArrayList<>(all);
        sorted.sort(java.util.Comparator.comparing(Busy::type).thenComparing(Busy::start));
        List<Busy> out = new ArrayList<>();
        for (Busy b : sorted) {
            Busy last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.type.equals(b.type) && !b.start.isAfter(last.end)) {
                out.set(out.size() - 1, new Busy(last.start, b.end.isAfter(last.end) ? b.end : last.end, last.type));
            } else {
                out.add(b);
            }
        }
        return out;
    }

    /** A time-range element's bounds, both required (free-busy-query). */
    static Instant[] range(Element timeRange) throws Unsupported {
        if (timeRange == null || timeRange.getAttribute("start").isEmpty() || timeRange.getAttribute("end").isEmpty()) {
            throw new Unsupported("valid-filter", "free-busy-query needs a time-range with start and end");
        }
        Instant start = time(timeRange.getAttribute("start"), null);
        Instant end = time(timeRange.getAttribute("end"), null);
        if (!start.isBefore(end)) {
            throw new Unsupported("valid-filter", "time-range start must be before its end");
        }
        if (java.time.Duration.between(start, end).compareTo(MAX_FREE_BUSY) > 0) {
            throw new Unsupported("max-date-time", "free-busy ranges are at most a year");
        }
        return new Instant[] {start, end};
    }

    static String utc(Instant i) {
        return UTC.format(i);
    }
}
