package org.postern.dav.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.fortuna.ical4j.model.Calendar;
import net.fortuna.ical4j.model.Component;
import net.fortuna.ical4j.model.Period;
import net.fortuna.ical4j.model.Property;
import net.fortuna.ical4j.model.component.CalendarComponent;
import net.fortuna.ical4j.model.property.DateProperty;
import org.w3c.dom.Element;

/**
 * RFC 4791 section 9.6: what a report's {@code calendar-data} element asks of each calendar
 * object. Partial retrieval ({@code comp}, {@code prop}, {@code allprop}, {@code allcomp}) keeps
 * the chosen content lines exactly as stored; {@code expand} turns a recurrence set into one
 * component per instance in the range; {@code limit-recurrence-set} keeps the master and only the
 * overrides in the range; {@code limit-freebusy-set} keeps only the FREEBUSY periods in the range.
 * Data that does not read is given as stored: a superset, never a loss.
 */
final class CalendarData {
    private static final String CALDAV = DavServlet.CALDAV;
    /** Instances one object expands to at most; the rest are left out (an hourly rule over two years would be 17,520). */
    static final int MAX_INSTANCES = 1_000;
    /**
     * Characters one object's expansion may reach (each instance copies its master, up to 1 MiB):
     * past it the object is given unexpanded, as stored.
     */
    static final int MAX_EXPANDED_CHARS = 4 * 1024 * 1024;
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter FLOATING = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss", Locale.ROOT);
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd", Locale.ROOT);
    private static final Set<String> RECURRENCE = Set.of("RRULE", "RDATE", "EXDATE", "EXRULE");
    private static final Set<String> INSTANCE_TYPES = Set.of("VEVENT", "VTODO", "VJOURNAL");

    /** A {@code comp} element: the properties (name to novalue) and subcomponents it keeps. */
    record Comp(String name, boolean allProps, Map<String, Boolean> props, boolean allComps, List<Comp> comps) {
        /** An empty {@code comp} element keeps all of its component (as RFC 4791's own example reads it). */
        static Comp all(String name) {
            return new Comp(name, true, Map.of(), true, List.of());
        }
    }

    /** A request element that cannot be honoured: the precondition (or null for a plain 400) and why. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final String precondition;

        Refused(String precondition, String message) {
            super(message);
            this.precondition = precondition;
        }
    }

    private final Comp comp;
    private final Instant[] expand;
    private final Instant[] limitRecurrence;
    private final Instant[] limitFreeBusy;

    private CalendarData(Comp comp, Instant[] expand, Instant[] limitRecurrence, Instant[] limitFreeBusy) {
        this.comp = comp;
        this.expand = expand;
        this.limitRecurrence = limitRecurrence;
        this.limitFreeBusy = limitFreeBusy;
    }

    /** The whole object, as stored: a {@code calendar-data} element without children, or none. */
    static final CalendarData WHOLE = new CalendarData(null, null, null, null);

    boolean whole() {
        return comp == null && expand == null && limitRecurrence == null && limitFreeBusy == null;
    }

    /** True when the answer has no time zone definitions at all (section 9.6.5). */
    boolean expands() {
        return expand != null;
    }

    /** @param e the report's {@code calendar-data} element, or null */
    static CalendarData of(Element e) throws Refused {
        if (e == null) {
            return WHOLE;
        }
        String type = e.getAttribute("content-type");
        String version = e.getAttribute("version");
        if (!(type.isEmpty() || type.equalsIgnoreCase("text/calendar")) || !(version.isEmpty() || version.equals("2.0"))) {
            throw new Refused("supported-calendar-data", "only text/calendar 2.0");
        }
        Comp comp = null;
        Instant[] expand = null;
        Instant[] limitRecurrence = null;
        Instant[] limitFreeBusy = null;
        for (Element c : DavXml.children(e)) {
            if (DavXml.is(c, CALDAV, "comp") && comp == null) {
                comp = comp(c, 0);
                if (!comp.name.equals("VCALENDAR")) {
                    throw new Refused(null, "calendar-data's comp is VCALENDAR");
                }
            } else if (DavXml.is(c, CALDAV, "expand") && expand == null && limitRecurrence == null) {
                expand = range(c);
            } else if (DavXml.is(c, CALDAV, "limit-recurrence-set") && expand == null && limitRecurrence == null) {
                limitRecurrence = range(c);
            } else if (DavXml.is(c, CALDAV, "limit-freebusy-set") && limitFreeBusy == null) {
                limitFreeBusy = range(c);
            } else {
                throw new Refused(null, "unexpected " + c.getLocalName() + " in calendar-data");
            }
        }
        return new CalendarData(comp, expand, limitRecurrence, limitFreeBusy);
    }

    private static Comp comp(Element e, int depth) throws Refused {
        if (depth > 4) {
            throw new Refused(null, "comp nests at most four deep");
        }
        String name = e.getAttribute("name").toUpperCase(Locale.ROOT);
        if (name.isEmpty()) {
            throw new Refused(null, "comp needs a name");
        }
        boolean allProps = false;
        boolean allComps = false;
        Map<String, Boolean> props = new LinkedHashMap<>();
        List<Comp> comps = new ArrayList<>();
        boolean any = false;
        for (Element c : DavXml.children(e)) {
            any = true;
            if (DavXml.is(c, CALDAV, "allprop")) {
                allProps = true;
            } else if (DavXml.is(c, CALDAV, "allcomp")) {
                allComps = true;
            } else if (DavXml.is(c, CALDAV, "prop")) {
                String p = c.getAttribute("name").toUpperCase(Locale.ROOT);
                if (p.isEmpty() || props.size() >= 200) {
                    throw new Refused(null, "a prop needs a name (at most 200)");
                }
                props.put(p, "yes".equalsIgnoreCase(c.getAttribute("novalue")));
            } else if (DavXml.is(c, CALDAV, "comp")) {
                if (comps.size() >= 50) {
                    throw new Refused(null, "at most 50 comp elements in one");
                }
                comps.add(comp(c, depth + 1));
            } else {
                throw new Refused(null, "unexpected " + c.getLocalName() + " in comp");
            }
        }
        return any ? new Comp(name, allProps, Map.copyOf(props), allComps, List.copyOf(comps)) : Comp.all(name);
    }

    private static Instant[] range(Element e) throws Refused {
        try {
            Instant start = Instant.from(UTC.parse(e.getAttribute("start")));
            Instant end = Instant.from(UTC.parse(e.getAttribute("end")));
            if (!start.isBefore(end)) {
                throw new Refused(null, e.getLocalName() + ": start must be before end");
            }
            if (java.time.Duration.between(start, end).compareTo(CalendarQuery.MAX_EXPANSION) > 0) {
                throw new Refused("max-date-time", e.getLocalName() + " ranges are at most two years");
            }
            return new Instant[] {start, end};
        } catch (java.time.DateTimeException bad) {
            throw new Refused(null, e.getLocalName() + " needs start and end as UTC date-times");
        }
    }

    // ---- applying it ----

    /** A component as content lines: its own properties and its subcomponents, in order. */
    private static final class Node {
        final VCardObject.Line begin;
        final String name;
        final List<Object> items = new ArrayList<>(); // VCardObject.Line or Node
        VCardObject.Line end;

        Node(VCardObject.Line begin) {
            this.begin = begin;
            this.name = begin.value().strip().toUpperCase(Locale.ROOT);
        }

        List<VCardObject.Line> props(String n) {
            List<VCardObject.Line> out = new ArrayList<>();
            for (Object o : items) {
                if (o instanceof VCardObject.Line l && l.name().equals(n)) {
                    out.add(l);
                }
            }
            return out;
        }

        boolean has(String n) {
            return !props(n).isEmpty();
        }

        /** Its length as written, in characters (line breaks included). */
        long size() {
            long total = begin.raw().length() + end.raw().length() + 4;
            for (Object o : items) {
                total += o instanceof Node child ? child.size() : ((VCardObject.Line) o).raw().length() + 2;
            }
            return total;
        }

        void write(StringBuilder out) {
            out.append(begin.raw()).append("\r\n");
            for (Object o : items) {
                if (o instanceof Node child) {
                    child.write(out);
                } else {
                    out.append(((VCardObject.Line) o).raw()).append("\r\n");
                }
            }
            out.append(end.raw()).append("\r\n");
        }
    }

    /** The stored data ({@code forClient} already applied for partial data) as this element asks. */
    byte[] apply(byte[] data) {
        if (whole()) {
            return data;
        }
        try {
            Node root = tree(new String(data, StandardCharsets.UTF_8));
            if (root == null) {
                return data;
            }
            if (expand != null) {
                root = expanded(root, data, expand[0], expand[1]);
            } else if (limitRecurrence != null) {
                root = limited(root, data, limitRecurrence[0], limitRecurrence[1]);
            }
            if (limitFreeBusy != null) {
                limitFreeBusy(root, limitFreeBusy[0], limitFreeBusy[1]);
            }
            StringBuilder out = new StringBuilder(data.length + 256);
            if (comp != null) {
                partial(root, comp, out);
            } else {
                root.write(out);
            }
            return out.toString().getBytes(StandardCharsets.UTF_8);
        } catch (VCardObject.Invalid | RuntimeException unreadable) {
            return data; // stored data that no longer reads is given as it is
        }
    }

    private static Node tree(String text) throws VCardObject.Invalid {
        List<VCardObject.Line> lines = VCardObject.lines(text);
        java.util.ArrayDeque<Node> open = new java.util.ArrayDeque<>();
        Node root = null;
        for (VCardObject.Line l : lines) {
            if (l.name().equals("BEGIN")) {
                Node n = new Node(l);
                if (open.isEmpty()) {
                    if (root != null) {
                        return null;
                    }
                    root = n;
                } else {
                    open.peek().items.add(n);
                }
                open.push(n);
            } else if (l.name().equals("END")) {
                if (open.isEmpty() || !open.peek().name.equals(l.value().strip().toUpperCase(Locale.ROOT))) {
                    return null;
                }
                open.pop().end = l;
            } else if (!open.isEmpty()) {
                open.peek().items.add(l);
            }
        }
        return root != null && open.isEmpty() && root.name.equals("VCALENDAR") ? root : null;
    }

    private static void partial(Node n, Comp spec, StringBuilder out) {
        out.append(n.begin.raw()).append("\r\n");
        for (Object o : n.items) {
            if (o instanceof VCardObject.Line l) {
                Boolean novalue = spec.allProps ? Boolean.FALSE : spec.props.get(l.name());
                if (novalue != null) {
                    out.append(novalue ? head(l) + ":" : l.raw()).append("\r\n");
                }
            }
        }
        for (Object o : n.items) {
            if (o instanceof Node child) {
                if (spec.allComps) {
                    child.write(out);
                } else {
                    for (Comp c : spec.comps) {
                        if (c.name.equals(child.name)) {
                            partial(child, c, out);
                            break;
                        }
                    }
                }
            }
        }
        out.append(n.end.raw()).append("\r\n");
    }

    /** The line's name and parameters, unfolded: for {@code novalue="yes"}. */
    private static String head(VCardObject.Line l) {
        StringBuilder b = new StringBuilder(l.name());
        for (VCardObject.Param p : l.params()) {
            b.append(';').append(p.name()).append('=');
            for (int i = 0; i < p.values().size(); i++) {
                b.append(i == 0 ? "" : ",").append('"').append(p.values().get(i).replace("\"", "")).append('"');
            }
        }
        return b.toString();
    }

    // ---- expand and limit-recurrence-set (sections 9.6.5, 9.6.6) ----

    /**
     * What ical4j makes of each top-level component, parsed once for the whole object; null when
     * its components do not line up one to one with the tree's (then nothing is changed).
     */
    private static Map<Node, CalendarComponent> parsed(Node root, byte[] data) {
        Optional<Calendar> calendar = CalendarObject.build(data);
        if (calendar.isEmpty()) {
            return null;
        }
        List<CalendarComponent> components = calendar.get().getComponents();
        List<Node> nodes = new ArrayList<>();
        for (Object o : root.items) {
            if (o instanceof Node n) {
                nodes.add(n);
            }
        }
        if (components.size() != nodes.size()) {
            return null;
        }
        Map<Node, CalendarComponent> out = new java.util.IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (!components.get(i).getName().equalsIgnoreCase(nodes.get(i).name)) {
                return null;
            }
            out.put(nodes.get(i), components.get(i));
        }
        return out;
    }

    /** The instances of one stored object (see {@link #expand}) and its first VEVENT, the master. */
    record Expanded(List<Instant[]> instances, CalendarComponent master) {
    }

    private static final Expanded NONE = new Expanded(List.of(), null);

    /** {@link #expand}'s instances alone. */
    static List<Instant[]> instances(byte[] data, Instant start, Instant end, int max) {
        return expand(data, start, end, max).instances();
    }

    /**
     * The instances of the events in one stored object that meet [start, end), as {start, end}
     * pairs sorted by start, as {@code expand} would give them (overrides in place of the instances
     * they replace): what the webmail's calendar views draw. At most {@code max}; none for data
     * that does not read.
     */
    static Expanded expand(byte[] data, Instant start, Instant end, int max) {
        List<Instant[]> out = new ArrayList<>();
        CalendarComponent master = null;
        try {
            Node root = tree(new String(data, StandardCharsets.UTF_8));
            Map<Node, CalendarComponent> parsed = root == null ? null : parsed(root, data);
            if (parsed == null) {
                return NONE;
            }
            List<Node> events = new ArrayList<>();
            for (Object o : root.items) {
                if (o instanceof Node n && n.name.equals("VEVENT") && parsed.get(n) != null) {
                    events.add(n);
                }
            }
            Set<Instant> overridden = new HashSet<>();
            for (Node n : events) {
                if (n.has("RECURRENCE-ID")) {
                    instantOf(parsed.get(n), "RECURRENCE-ID").ifPresent(overridden::add);
                } else if (master == null) {
                    master = parsed.get(n);
                }
            }
            for (Node n : events) {
                CalendarComponent c = parsed.get(n);
                boolean recurring = !n.has("RECURRENCE-ID") && (n.has("RRULE") || n.has("RDATE"));
                for (Period<?> p : periods(c, start, end)) {
                    Instant s = CalendarQuery.instant(p.getStart());
                    if (recurring && overridden.contains(s)) {
                        continue;
                    }
                    out.add(new Instant[] {s, CalendarQuery.instant(p.getEnd())});
                    if (out.size() >= max) {
                        break;
                    }
                }
                if (out.size() >= max) {
                    break;
                }
            }
            if (master == null && !events.isEmpty()) {
                master = parsed.get(events.get(0));
            }
        } catch (VCardObject.Invalid | RuntimeException unreadable) {
            return NONE;
        }
        out.sort(java.util.Comparator.comparing((Instant[] i) -> i[0]));
        return new Expanded(out, master);
    }

    private static Node expanded(Node root, byte[] data, Instant start, Instant end) {
        Node out = new Node(root.begin);
        out.end = root.end;
        List<Node> components = new ArrayList<>();
        for (Object o : root.items) {
            if (o instanceof VCardObject.Line) {
                out.items.add(o);
            } else if (o instanceof Node n && INSTANCE_TYPES.contains(n.name)) {
                components.add(n);
            } else if (o instanceof Node n && !n.name.equals("VTIMEZONE")) {
                out.items.add(n); // no VTIMEZONE in expanded data: every time in it is UTC, floating or a date
            }
        }
        Map<Node, CalendarComponent> parsed = parsed(root, data);
        if (parsed == null) {
            return root;
        }
        // the overrides' RECURRENCE-IDs: those instances come from the overrides, not the master
        Set<Instant> overridden = new HashSet<>();
        for (Node n : components) {
            if (n.has("RECURRENCE-ID")) {
                instantOf(parsed.get(n), "RECURRENCE-ID").ifPresent(overridden::add);
            }
        }
        int instances = 0;
        long chars = 0;
        for (Node n : components) {
            CalendarComponent c = parsed.get(n);
            boolean master = !n.has("RECURRENCE-ID");
            boolean recurring = master && (n.has("RRULE") || n.has("RDATE"));
            if (!recurring) {
                if (overlaps(c, start, end)) {
                    out.items.add(inUtc(n, c));
                }
                continue;
            }
            long size = n.size();
            for (Period<?> p : periods(c, start, end)) {
                Instant s = CalendarQuery.instant(p.getStart());
                if (overridden.contains(s)) {
                    continue;
                }
                if (instances >= MAX_INSTANCES) {
                    break; // for this master and every later one
                }
                chars += size;
                if (chars > MAX_EXPANDED_CHARS) {
                    return root; // a large master many times over: unexpanded, as stored
                }
                instances++;
                out.items.add(instance(n, c, p));
            }
        }
        return out;
    }

    private static Node limited(Node root, byte[] data, Instant start, Instant end) {
        Map<Node, CalendarComponent> parsed = parsed(root, data);
        if (parsed == null) {
            return root;
        }
        Node out = new Node(root.begin);
        out.end = root.end;
        for (Object o : root.items) {
            if (o instanceof Node n && INSTANCE_TYPES.contains(n.name) && n.has("RECURRENCE-ID")) {
                // section 9.6.6: an override stays when its instance, as overridden or as it was, is in the range
                CalendarComponent c = parsed.get(n);
                boolean keep = c == null || overlaps(c, start, end)
                        || instantOf(c, "RECURRENCE-ID").map(r -> !r.isBefore(start) && r.isBefore(end)).orElse(true);
                if (keep) {
                    out.items.add(n);
                }
            } else {
                out.items.add(o);
            }
        }
        return out;
    }

    /** The component's instances that overlap [start, end) as section 9.9 counts overlap. */
    private static List<Period<?>> periods(CalendarComponent c, Instant start, Instant end) {
        List<Period<?>> out = new ArrayList<>();
        ZonedDateTime from = start.atZone(ZoneOffset.UTC).minusDays(1);
        ZonedDateTime to = end.atZone(ZoneOffset.UTC).plusDays(1);
        List<Period<?>> all = new ArrayList<>(c.calculateRecurrenceSet(new Period<>(from, to)));
        all.sort(java.util.Comparator.comparing(p -> CalendarQuery.instant(p.getStart())));
        for (Period<?> p : all) {
            Instant s = CalendarQuery.instant(p.getStart());
            Instant e = CalendarQuery.instant(p.getEnd());
            if (s.equals(e) ? !start.isAfter(s) && end.isAfter(s) : start.isBefore(e) && end.isAfter(s)) {
                out.add(p);
            }
        }
        return out;
    }

    private static boolean overlaps(CalendarComponent c, Instant start, Instant end) {
        if (c.getProperty(Property.DTSTART).isEmpty()) {
            if (!c.getName().equals(Component.VTODO)) {
                return false;
            }
            Optional<Instant> due = instantOf(c, Property.DUE);
            return due.map(d -> start.isBefore(d) && !end.isBefore(d)).orElse(true); // section 9.9
        }
        try {
            return !periods(c, start, end).isEmpty();
        } catch (RuntimeException unexpandable) {
            return true; // kept: a superset, never a loss
        }
    }

    private static Optional<Instant> instantOf(CalendarComponent c, String property) {
        try {
            return c.getProperty(property).filter(p -> p instanceof DateProperty<?>)
                    .map(p -> CalendarQuery.instant(((DateProperty<?>) p).getDate()));
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /** The date-time properties of an instance that ical4j can place, with a TZID, as UTC. */
    private static final List<String> ZONED = List.of("DTSTART", "DTEND", "DUE", "RECURRENCE-ID");

    private static Node inUtc(Node n, CalendarComponent c) {
        Node out = new Node(n.begin);
        out.end = n.end;
        for (Object o : n.items) {
            if (o instanceof VCardObject.Line l && ZONED.contains(l.name()) && hasTzid(l)) {
                Optional<Instant> i = instantOf(c, l.name());
                out.items.add(i.isPresent() ? synthetic(l.name() + ":" + UTC.format(i.get())) : l);
            } else {
                out.items.add(o);
            }
        }
        return out;
    }

    /** One instance of a recurring master: its times, a RECURRENCE-ID, no recurrence properties. */
    private static Node instance(Node master, CalendarComponent c, Period<?> p) {
        Node out = new Node(master.begin);
        out.end = master.end;
        Temporal start = p.getStart();
        Optional<Instant> masterStart = instantOf(c, Property.DTSTART);
        Optional<Instant> masterDue = instantOf(c, Property.DUE);
        for (Object o : master.items) {
            if (o instanceof VCardObject.Line l) {
                if (RECURRENCE.contains(l.name())) {
                    continue;
                }
                switch (l.name()) {
                    case "DTSTART" -> {
                        out.items.add(synthetic("DTSTART" + value(start)));
                        out.items.add(synthetic("RECURRENCE-ID" + value(start)));
                    }
                    case "DTEND" -> out.items.add(synthetic("DTEND" + value(p.getEnd())));
                    case "DUE" -> {
                        if (masterStart.isPresent() && masterDue.isPresent()) {
                            Instant due = CalendarQuery.instant(start).plus(java.time.Duration.between(masterStart.get(), masterDue.get()));
                            out.items.add(synthetic("DUE" + value(retype(due, start))));
                        } else {
                            out.items.add(l);
                        }
                    }
                    default -> out.items.add(l);
                }
            } else {
                out.items.add(o);
            }
        }
        return out;
    }

    /** An instant in the form of {@code like}: a date, a floating time (read as UTC) or UTC. */
    private static Temporal retype(Instant i, Temporal like) {
        if (like instanceof LocalDate) {
            return LocalDate.ofInstant(i, ZoneOffset.UTC);
        }
        if (like instanceof LocalDateTime) {
            return LocalDateTime.ofInstant(i, ZoneOffset.UTC);
        }
        return i;
    }

    /** ";VALUE=DATE:20260101", ":20260101T090000" (floating) or ":20260101T080000Z". */
    private static String value(Temporal t) {
        if (t instanceof LocalDate d) {
            return ";VALUE=DATE:" + DATE.format(d);
        }
        if (t instanceof LocalDateTime l) {
            return ":" + FLOATING.format(l);
        }
        return ":" + UTC.format(CalendarQuery.instant(t));
    }

    private static boolean hasTzid(VCardObject.Line l) {
        return l.params().stream().anyMatch(p -> p.name().equals("TZID"));
    }

    private static VCardObject.Line synthetic(String line) {
        try {
            return VCardObject.lines(line).get(0);
        } catch (VCardObject.Invalid e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- limit-freebusy-set (section 9.6.7) ----

    private static void limitFreeBusy(Node root, Instant start, Instant end) {
        for (Object o : root.items) {
            if (o instanceof Node n && n.name.equals("VFREEBUSY")) {
                List<Object> kept = new ArrayList<>();
                for (Object item : n.items) {
                    if (item instanceof VCardObject.Line l && l.name().equals("FREEBUSY")) {
                        List<String> periods = new ArrayList<>();
                        for (String period : l.value().split(",")) {
                            if (periodOverlaps(period.trim(), start, end)) {
                                periods.add(period.trim());
                            }
                        }
                        if (periods.size() == l.value().split(",").length) {
                            kept.add(l);
                        } else if (!periods.isEmpty()) {
                            kept.add(synthetic(head(l) + ":" + String.join(",", periods)));
                        }
                    } else {
                        kept.add(item);
                    }
                }
                n.items.clear();
                n.items.addAll(kept);
            }
        }
    }

    /** A FREEBUSY period ("start/end" or "start/duration", UTC) overlaps; one that does not read is kept. */
    private static boolean periodOverlaps(String period, Instant start, Instant end) {
        int slash = period.indexOf('/');
        try {
            Instant s = Instant.from(UTC.parse(period.substring(0, slash)));
            String rest = period.substring(slash + 1);
            Instant e = rest.startsWith("P") || rest.startsWith("+") || rest.startsWith("-")
                    ? s.plus(java.time.Duration.parse(rest.startsWith("+") ? rest.substring(1) : rest))
                    : Instant.from(UTC.parse(rest));
            return s.isBefore(end) && e.isAfter(start);
        } catch (RuntimeException unreadable) {
            return true;
        }
    }
}
