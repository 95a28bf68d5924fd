package org.postern.dav.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import net.fortuna.ical4j.data.CalendarBuilder;

/**
 * The standard time zones (RFC 7809 "time zones by reference"): the VTIMEZONE definitions ical4j
 * ships ({@code zoneinfo/<tzid>.ics}, IANA data), which Postern's time zone service hands out
 * ({@link TzdistServlet}) and which calendar data may leave out.
 *
 * <p>{@link #forClient} rewrites stored calendar data at the content-line level, leaving every
 * other line exactly as stored: it adds the definitions of standard zones the data names but
 * does not define, or removes the definitions of standard zones, as {@code CalDAV-Timezones: T}
 * and {@code F} ask.
 */
final class Timezones {
    /** What a TZID of the IANA database looks like; nothing else is looked up as a resource. */
    private static final Pattern IANA_ID = Pattern.compile("[A-Za-z][A-Za-z0-9_+\\-]*(/[A-Za-z0-9_+\\-]+){0,2}");
    /** Loaded zones: only ever those of {@link #known()}, so that asking for made-up ids grows nothing. */
    private static final Map<String, Zone> ZONES = new ConcurrentHashMap<>();
    private static volatile Set<String> known;
    private static volatile List<Zone> all;
    /** The properties whose TZID parameter names a zone the data needs (RFC 5545 date and time values). */
    private static final Set<String> DATED = Set.of("DTSTART", "DTEND", "DUE", "RECURRENCE-ID", "EXDATE", "RDATE");
    /** Most distinct zones one object may name: real ones name one to three. */
    static final int MAX_ZONES = 16;

    /** One standard zone: its id, its file as ical4j ships it, the VTIMEZONE in it, its LAST-MODIFIED. */
    record Zone(String tzid, byte[] calendar, String vtimezone, String lastModified) {
    }

    private Timezones() {
    }

    /** The standard zone of that TZID, if it is one. */
    static Optional<Zone> zone(String tzid) {
        if (tzid == null || tzid.length() > 64 || !IANA_ID.matcher(tzid).matches() || !known().contains(tzid)) {
            return Optional.empty();
        }
        return Optional.ofNullable(ZONES.computeIfAbsent(tzid, id -> load(id).orElse(null)));
    }

    /** The ids ical4j has a definition of, among the JDK's: looked up once. */
    private static Set<String> known() {
        Set<String> k = known;
        if (k == null) {
            Set<String> found = new java.util.HashSet<>();
            ClassLoader loader = CalendarBuilder.class.getClassLoader();
            for (String id : ZoneId.getAvailableZoneIds()) {
                if (IANA_ID.matcher(id).matches() && loader.getResource("zoneinfo/" + id + ".ics") != null) {
                    found.add(id);
                }
            }
            k = Set.copyOf(found);
            known = k;
        }
        return k;
    }

    static boolean isStandard(String tzid) {
        return zone(tzid).isPresent();
    }

    /** Every standard zone, by TZID. */
    static List<Zone> all() {
        List<Zone> a = all;
        if (a == null) {
            List<Zone> found = new ArrayList<>();
            for (String id : new java.util.TreeSet<>(known())) {
                zone(id).ifPresent(found::add);
            }
            a = List.copyOf(found);
            all = a;
        }
        return a;
    }

    private static Optional<Zone> load(String tzid) {
        try (InputStream in = CalendarBuilder.class.getClassLoader().getResourceAsStream("zoneinfo/" + tzid + ".ics")) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] file = in.readNBytes(256 * 1024);
            String text = new String(file, StandardCharsets.UTF_8).replace("\r\n", "\n").replace("\n", "\r\n");
            int begin = text.indexOf("BEGIN:VTIMEZONE\r\n");
            int end = text.indexOf("END:VTIMEZONE\r\n");
            if (begin < 0 || end < begin || !text.contains("\r\nTZID:" + tzid + "\r\n")) {
                return Optional.empty();
            }
            String modified = "";
            int lm = text.indexOf("\r\nLAST-MODIFIED:", begin);
            if (lm > 0 && lm < end) {
                modified = text.substring(lm + 16, text.indexOf("\r\n", lm + 2));
            }
            return Optional.of(new Zone(tzid, text.getBytes(StandardCharsets.UTF_8),
                    text.substring(begin, end + "END:VTIMEZONE\r\n".length()), modified));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Calendar data as a client asked for it: {@code include} adds the standard VTIMEZONEs the data
     * refers to (a TZID parameter) and does not define; otherwise the standard ones it defines go.
     * Definitions of zones that are not standard stay either way (RFC 7809 section 3.1.3).
     */
    static byte[] forClient(byte[] stored, boolean include) {
        if (!mentionsTzid(stored)) {
            return stored; // most objects (UTC times): no copy at all
        }
        String text = new String(stored, StandardCharsets.UTF_8);
        Scan scan = scan(text);
        List<String> physical = scan.physical;
        List<int[]> spans = scan.spans;
        List<String> logical = scan.logical;
        Set<String> referenced = scan.referenced;
        Map<String, int[]> defined = scan.defined;
        int firstComponent = scan.firstComponent;
        StringBuilder out = new StringBuilder(text.length() + 4096);
        boolean changed = false;
        if (include) {
            StringBuilder added = new StringBuilder();
            for (String id : referenced) {
                if (!defined.containsKey(id)) {
                    Optional<Zone> z = zone(id);
                    if (z.isPresent()) {
                        added.append(z.get().vtimezone());
                    }
                }
            }
            if (added.length() == 0 || firstComponent < 0) {
                return stored;
            }
            for (int i = 0; i < logical.size(); i++) {
                if (i == firstComponent) {
                    out.append(added);
                }
                appendPhysical(out, physical, spans.get(i));
            }
            changed = true;
        } else {
            Set<Integer> drop = new java.util.HashSet<>();
            for (Map.Entry<String, int[]> d : defined.entrySet()) {
                if (isStandard(d.getKey())) {
                    for (int i = d.getValue()[0]; i <= d.getValue()[1]; i++) {
                        drop.add(i);
                    }
                }
            }
            if (drop.isEmpty()) {
                return stored;
            }
            for (int i = 0; i < logical.size(); i++) {
                if (!drop.contains(i)) {
                    appendPhysical(out, physical, spans.get(i));
                }
            }
            changed = true;
        }
        return changed ? out.toString().getBytes(StandardCharsets.UTF_8) : stored;
    }

    /**
     * The TZIDs the data refers to that it neither defines nor are standard: RFC 7809 section
     * 3.1.4 lets a client leave out only the definitions of standard zones.
     */
    static Set<String> undefined(byte[] body) {
        return undefined(referencedAndDefined(body));
    }

    /** The distinct zones the data's dates name. */
    static Set<String> referenced(byte[] body) {
        return referencedAndDefined(body).referenced;
    }

    /** Calendar data scanned once, for {@link #referenced} and {@link #undefined(Scan)} both. */
    static Scan referencedAndDefined(byte[] body) {
        if (!mentionsTzid(body)) {
            return new Scan(List.of(), List.of(), List.of(), Set.of(), Map.of(), -1);
        }
        return scan(new String(body, StandardCharsets.UTF_8));
    }

    /** Whether "TZID" appears anywhere, in any case (ASCII: a byte scan, nothing decoded). */
    private static boolean mentionsTzid(byte[] b) {
        for (int i = 0; i + 3 < b.length; i++) {
            if ((b[i] | 0x20) == 't' && (b[i + 1] | 0x20) == 'z' && (b[i + 2] | 0x20) == 'i' && (b[i + 3] | 0x20) == 'd') {
                return true;
            }
        }
        return false;
    }

    static Set<String> undefined(Scan scan) {
        Set<String> out = new LinkedHashSet<>();
        for (String id : scan.referenced) {
            if (!scan.defined.containsKey(id) && !isStandard(id)) {
                out.add(id);
            }
        }
        return out;
    }

    /** Calendar data read as content lines: physical lines, logical (unfolded) ones, TZIDs used and defined. */
    record Scan(List<String> physical, List<int[]> spans, List<String> logical, Set<String> referenced,
            Map<String, int[]> defined, int firstComponent) {
    }

    private static Scan scan(String text) {
        List<String> physical = List.of(text.split("(?<=\n)"));
        // logical lines as [first physical, end physical) with the unfolded text
        List<int[]> spans = new ArrayList<>();
        List<String> logical = new ArrayList<>();
        StringBuilder unfolded = null; // appended to, never copied again: linear in the body
        for (int i = 0; i < physical.size(); i++) {
            String p = physical.get(i);
            if (unfolded != null && (p.startsWith(" ") || p.startsWith("\t"))) {
                spans.get(spans.size() - 1)[1] = i + 1;
                unfolded.append(strip(p), 1, strip(p).length());
            } else {
                if (unfolded != null) {
                    logical.add(unfolded.toString());
                }
                spans.add(new int[] {i, i + 1});
                unfolded = new StringBuilder(strip(p));
            }
        }
        if (unfolded != null) {
            logical.add(unfolded.toString());
        }
        Set<String> referenced = new LinkedHashSet<>();
        Map<String, int[]> defined = new LinkedHashMap<>(); // TZID -> [first logical, last logical]
        int firstComponent = -1;
        int inTimezone = -1;
        String definedId = null;
        for (int i = 0; i < logical.size(); i++) {
            String line = strip(logical.get(i));
            String upper = line.toUpperCase(Locale.ROOT);
            if (upper.equals("BEGIN:VTIMEZONE")) {
                inTimezone = i;
                definedId = null;
            } else if (upper.equals("END:VTIMEZONE") && inTimezone >= 0) {
                if (definedId != null) {
                    defined.put(definedId, new int[] {inTimezone, i});
                }
                inTimezone = -1;
            } else if (inTimezone >= 0 && upper.startsWith("TZID:")) {
                definedId = line.substring(5);
            } else if (inTimezone < 0 && DATED.contains(propertyName(upper))) {
                referenced.addAll(tzidParameters(line));
            }
            if (firstComponent < 0 && upper.startsWith("BEGIN:") && !upper.equals("BEGIN:VCALENDAR")) {
                firstComponent = i;
            }
        }
        return new Scan(physical, spans, logical, referenced, defined, firstComponent);
    }

    /** The name of an upper-cased content line: up to its first ';' or ':'. */
    private static String propertyName(String upper) {
        int end = upper.length();
        int semi = upper.indexOf(';');
        int colon = upper.indexOf(':');
        if (semi >= 0) {
            end = semi;
        }
        if (colon >= 0 && colon < end) {
            end = colon;
        }
        return upper.substring(0, end);
    }

    /** The TZID parameter values of one unfolded content line (quoted or not). */
    static List<String> tzidParameters(String line) {
        List<String> out = new ArrayList<>();
        // the parameters: split at ';' outside quotes, up to the first ':' outside quotes
        List<String> params = new ArrayList<>();
        StringBuilder current = null;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == ';' || c == ':')) {
                if (current != null) {
                    params.add(current.toString());
                }
                if (c == ':') {
                    break;
                }
                current = new StringBuilder();
                continue;
            }
            if (current != null) {
                current.append(c);
            }
        }
        for (String p : params) {
            if (p.regionMatches(true, 0, "TZID=", 0, 5)) {
                String value = p.substring(5);
                out.add(value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                        ? value.substring(1, value.length() - 1) : value);
            }
        }
        return out;
    }

    private static void appendPhysical(StringBuilder out, List<String> physical, int[] span) {
        for (int i = span[0]; i < span[1]; i++) {
            out.append(physical.get(i));
        }
    }

    private static String strip(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == '\n' || line.charAt(end - 1) == '\r')) {
            end--;
        }
        return line.substring(0, end);
    }
}
