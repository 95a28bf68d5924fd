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
    private static final Map<String, Optional<Zone>> ZONES = new ConcurrentHashMap<>();
    private static volatile List<Zone> all;

    /** One standard zone: its id, its file as ical4j ships it, the VTIMEZONE in it, its LAST-MODIFIED. */
    record Zone(String tzid, byte[] calendar, String vtimezone, String lastModified) {
    }

    private Timezones() {
    }

    /** The standard zone of that TZID, if it is one. */
    static Optional<Zone> zone(String tzid) {
        if (tzid == null || tzid.length() > 64 || !IANA_ID.matcher(tzid).matches()) {
            return Optional.empty();
        }
        return ZONES.computeIfAbsent(tzid, Timezones::load);
    }

    static boolean isStandard(String tzid) {
        return zone(tzid).isPresent();
    }

    /** Every standard zone, by TZID. */
    static List<Zone> all() {
        List<Zone> a = all;
        if (a == null) {
            List<Zone> found = new ArrayList<>();
            for (String id : new java.util.TreeSet<>(ZoneId.getAvailableZoneIds())) {
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
        String text = new String(stored, StandardCharsets.UTF_8);
        if (!text.toUpperCase(Locale.ROOT).contains("TZID")) {
            return stored;
        }
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
        String text = new String(body, StandardCharsets.UTF_8);
        if (!text.toUpperCase(Locale.ROOT).contains("TZID")) {
            return Set.of();
        }
        Scan scan = scan(text);
        Set<String> out = new LinkedHashSet<>();
        for (String id : scan.referenced) {
            if (!scan.defined.containsKey(id) && !isStandard(id)) {
                out.add(id);
            }
        }
        return out;
    }

    /** Calendar data read as content lines: physical lines, logical (unfolded) ones, TZIDs used and defined. */
    private record Scan(List<String> physical, List<int[]> spans, List<String> logical, Set<String> referenced,
            Map<String, int[]> defined, int firstComponent) {
    }

    private static Scan scan(String text) {
        List<String> physical = List.of(text.split("(?<=\n)"));
        // logical lines as [first physical, end physical) with the unfolded text
        List<int[]> spans = new ArrayList<>();
        List<String> logical = new ArrayList<>();
        for (int i = 0; i < physical.size(); i++) {
            String p = physical.get(i);
            if (!spans.isEmpty() && (p.startsWith(" ") || p.startsWith("\t"))) {
                int last = spans.size() - 1;
                spans.get(last)[1] = i + 1;
                logical.set(last, strip(logical.get(last)) + strip(p).substring(1));
            } else {
                spans.add(new int[] {i, i + 1});
                logical.add(p);
            }
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
            } else if (inTimezone < 0) {
                referenced.addAll(tzidParameters(line));
            }
            if (firstComponent < 0 && upper.startsWith("BEGIN:") && !upper.equals("BEGIN:VCALENDAR")) {
                firstComponent = i;
            }
        }
        return new Scan(physical, spans, logical, referenced, defined, firstComponent);
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
