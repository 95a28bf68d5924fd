package org.postern.webmail.internal;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.postern.core.groupware.Groupware;
import org.postern.core.groupware.GroupwareCollection;
import org.postern.core.groupware.GroupwareException;
import org.postern.core.groupware.GroupwareItem;

/**
 * The webmail's calendar, task and contact pages over the in-process {@link Groupware} service
 * (no HTTP round trip to the DAV servlet): the models the templates show, and the objects made
 * from the forms (iCalendar and vCard text written by hand: a few properties, escaped and folded
 * as RFC 5545 and RFC 6350 say). Times are shown and typed in the account's time zone and
 * written in UTC; all-day events and due dates are dates, the same everywhere.
 * <p>
 * Editing rewrites only the properties the form has (and DTSTAMP, LAST-MODIFIED, SEQUENCE) in the
 * object's master component; everything else a calendar or address book app wrote (alarms,
 * attendees, notes, photos, exceptions of a series) is kept as it was.
 */
final class GroupwareViews {
    private static final DateTimeFormatter ICAL_UTC = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ICAL_DATE = DateTimeFormatter.ofPattern("yyyyMMdd", Locale.ROOT);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("EEE d MMM yyyy", Locale.ENGLISH);
    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("MMMM yyyy", Locale.ENGLISH);

    private GroupwareViews() {
    }

    static List<GroupwareCollection> calendarsWith(Groupware g, String accountId, String component) {
        List<GroupwareCollection> out = new ArrayList<>();
        for (GroupwareCollection c : g.calendars(accountId)) {
            if (c.components().isEmpty() || c.components().contains(component)) {
                out.add(c);
            }
        }
        return out;
    }

    static LocalDate day(String given, LocalDate fallback) {
        if (given == null || given.length() > 10) {
            return fallback;
        }
        try {
            return LocalDate.parse(given);
        } catch (DateTimeParseException e) {
            return fallback;
        }
    }

    /** The month, week or agenda of every calendar of events: days, each with its instances. */
    static Map<String, Object> calendarModel(Groupware g, String accountId, String view, LocalDate day, ZoneId zone) {
        DateTimeFormatter time = TIME.withZone(zone);
        LocalDate first;
        LocalDate end; // exclusive
        LocalDate previous;
        LocalDate next;
        String title;
        switch (view) {
            case "week" -> {
                first = day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
                end = first.plusDays(7);
                previous = first.minusDays(7);
                next = end;
                title = "Week of " + DAY.format(first);
            }
            case "agenda" -> {
                first = day;
                end = day.plusDays(30);
                previous = day.minusDays(30);
                next = end;
                title = "From " + DAY.format(first);
            }
            default -> {
                LocalDate month = day.withDayOfMonth(1);
                first = month.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
                end = month.plusMonths(1).with(TemporalAdjusters.nextOrSame(DayOfWeek.MONDAY));
                previous = month.minusMonths(1);
                next = month.plusMonths(1);
                title = MONTH.format(month);
            }
        }
        // a day either side: all-day events are UTC dates, whatever the zone's offset
        Instant from = first.minusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant to = end.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Map<LocalDate, List<Map<String, String>>> byDay = new LinkedHashMap<>();
        for (LocalDate d = first; d.isBefore(end); d = d.plusDays(1)) {
            byDay.put(d, new ArrayList<>());
        }
        List<GroupwareCollection> calendars = calendarsWith(g, accountId, "VEVENT");
        for (GroupwareCollection c : calendars) {
            for (Groupware.Occurrence o : g.occurrences(accountId, c.id(), from, to)) {
                boolean allDay = o.start().atZone(ZoneOffset.UTC).toLocalTime().equals(LocalTime.MIDNIGHT)
                        && o.end().atZone(ZoneOffset.UTC).toLocalTime().equals(LocalTime.MIDNIGHT) && o.end().isAfter(o.start());
                ZoneId placed = allDay ? ZoneOffset.UTC : zone;
                LocalDate d = o.start().atZone(placed).toLocalDate();
                LocalDate last = o.end().isAfter(o.start()) ? o.end().minusNanos(1).atZone(placed).toLocalDate() : d;
                for (LocalDate x = d.isBefore(first) ? first : d; !x.isAfter(last) && x.isBefore(end); x = x.plusDays(1)) {
                    Map<String, String> e = new HashMap<>();
                    e.put("time", allDay ? "all day" : time.format(o.start()) + "–" + time.format(o.end()));
                    e.put("title", WebmailServlet.display(o.item().title(), 120, "(no title)"));
                    e.put("calendar", c.id());
                    e.put("name", o.item().name());
                    e.put("etag", o.item().etag());
                    byDay.get(x).add(e);
                }
            }
        }
        List<Map<String, Object>> days = new ArrayList<>();
        for (Map.Entry<LocalDate, List<Map<String, String>>> d : byDay.entrySet()) {
            if (view.equals("agenda") && d.getValue().isEmpty()) {
                continue;
            }
            Map<String, Object> m = new HashMap<>();
            m.put("date", d.getKey().toString());
            m.put("label", DAY.format(d.getKey()));
            m.put("day", d.getKey().getDayOfMonth());
            m.put("inMonth", !view.equals("month") || d.getKey().getMonth() == day.getMonth());
            m.put("events", d.getValue());
            days.add(m);
        }
        List<List<Map<String, Object>>> weeks = new ArrayList<>();
        for (int i = 0; i < days.size() && !view.equals("agenda"); i += 7) {
            weeks.add(days.subList(i, Math.min(days.size(), i + 7)));
        }
        Map<String, Object> m = new HashMap<>();
        m.put("view", view);
        m.put("title", title);
        m.put("days", days);
        m.put("weeks", weeks);
        m.put("previous", previous.toString());
        m.put("next", next.toString());
        m.put("today", LocalDate.now(zone).toString());
        m.put("zone", zone.getId());
        m.put("calendars", names(calendars));
        return m;
    }

    static List<Map<String, String>> names(List<GroupwareCollection> collections) {
        List<Map<String, String>> out = new ArrayList<>();
        for (GroupwareCollection c : collections) {
            out.add(Map.of("id", c.id(), "name", WebmailServlet.display(c.displayName(), 80, c.name())));
        }
        return out;
    }

    /** A new event: all day when no time is given, else one hour unless an end is given. */
    static String newEvent(String title, LocalDate date, String start, String end, Instant now, ZoneId zone) {
        String uid = UUID.randomUUID().toString();
        StringBuilder b = new StringBuilder("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Postern//Webmail//EN\r\nBEGIN:VEVENT\r\n");
        line(b, "UID:" + uid);
        line(b, "DTSTAMP:" + ICAL_UTC.format(now));
        for (String l : eventTimes(date, start, end, zone)) {
            line(b, l);
        }
        line(b, "SUMMARY:" + text(title));
        b.append("END:VEVENT\r\nEND:VCALENDAR\r\n");
        return b.toString();
    }

    /** DTSTART and DTEND: dates when no start time is given, else UTC times, one hour unless an end is given. */
    private static List<String> eventTimes(LocalDate date, String start, String end, ZoneId zone) {
        LocalTime from = time(start);
        if (from == null) {
            if (start != null && !start.isBlank()) {
                throw new IllegalArgumentException("the time must be written HH:MM");
            }
            return List.of("DTSTART;VALUE=DATE:" + ICAL_DATE.format(date), "DTEND;VALUE=DATE:" + ICAL_DATE.format(date.plusDays(1)));
        }
        Instant s = date.atTime(from).atZone(zone).toInstant();
        LocalTime to = time(end);
        Instant e = to != null && to.isAfter(from) ? date.atTime(to).atZone(zone).toInstant() : s.plusSeconds(3600);
        return List.of("DTSTART:" + ICAL_UTC.format(s), "DTEND:" + ICAL_UTC.format(e));
    }

    /**
     * What the edit form of an event shows: title, date, start and end in the zone (start and end
     * empty for an all-day event), and whether it repeats (then only its title is edited here:
     * moving a series, its end rule and its exceptions together is a calendar app's job).
     */
    static Map<String, Object> eventForm(GroupwareItem item, ZoneId zone) {
        Map<String, Object> f = new HashMap<>();
        f.put("title", item.title() == null ? "" : item.title());
        f.put("date", "");
        f.put("start", "");
        f.put("end", "");
        boolean dateOnly = false;
        boolean repeats = false;
        for (String l : master(item.data(), "VEVENT")) {
            String name = propertyName(l);
            if (name.equals("DTSTART")) {
                String v = l.substring(valueStart(l) + 1).strip();
                dateOnly = v.length() == 8;
            } else if (name.equals("RRULE") || name.equals("RDATE")) {
                repeats = true;
            }
        }
        if (item.start() != null) {
            ZoneId placed = dateOnly ? ZoneOffset.UTC : zone;
            f.put("date", item.start().atZone(placed).toLocalDate().toString());
            if (!dateOnly) {
                f.put("start", TIME.withZone(zone).format(item.start()));
                f.put("end", item.end() == null ? "" : TIME.withZone(zone).format(item.end()));
            }
        }
        f.put("repeats", repeats);
        return f;
    }

    /** The event with a new title, and for a single event a new date and times. */
    static String editedEvent(String data, String title, LocalDate date, String start, String end, Instant now, ZoneId zone) {
        boolean repeats = master(data, "VEVENT").stream().map(GroupwareViews::propertyName)
                .anyMatch(n -> n.equals("RRULE") || n.equals("RDATE"));
        List<String> added = new ArrayList<>();
        added.add("SUMMARY:" + text(title));
        java.util.Set<String> dropped = new java.util.HashSet<>(java.util.Set.of("SUMMARY"));
        if (!repeats) {
            if (date == null) {
                throw new IllegalArgumentException("the date must be written YYYY-MM-DD");
            }
            added.addAll(eventTimes(date, start, end, zone));
            dropped.addAll(java.util.Set.of("DTSTART", "DTEND", "DURATION"));
        }
        return rewritten(data, "VEVENT", dropped, added, now);
    }

    static Map<String, Object> taskForm(GroupwareItem item) {
        Map<String, Object> f = new HashMap<>();
        f.put("title", item.title() == null ? "" : item.title());
        f.put("due", item.end() == null ? "" : item.end().atZone(ZoneOffset.UTC).toLocalDate().toString());
        return f;
    }

    static String editedTask(String data, String title, LocalDate due, Instant now) {
        List<String> added = new ArrayList<>();
        added.add("SUMMARY:" + text(title));
        if (due != null) {
            added.add("DUE;VALUE=DATE:" + ICAL_DATE.format(due));
        }
        return rewritten(data, "VTODO", java.util.Set.of("SUMMARY", "DUE"), added, now);
    }

    static Map<String, Object> contactForm(GroupwareItem item) {
        Map<String, Object> f = new HashMap<>();
        f.put("title", item.title() == null ? "" : item.title());
        f.put("email", "");
        f.put("phone", "");
        for (String l : unfolded(item.data())) {
            String name = propertyName(l);
            String key = name.equals("EMAIL") ? "email" : name.equals("TEL") ? "phone" : null;
            if (key != null && ((String) f.get(key)).isEmpty()) {
                f.put(key, unescape(l.substring(valueStart(l) + 1)));
            }
        }
        return f;
    }

    /**
     * The card with a new name (FN, and N when the card has one, split at the last space) and a
     * new first address and phone number, their types kept; an emptied field removes that one.
     */
    static String editedContact(String data, String fullName, String email, String phone) {
        StringBuilder b = new StringBuilder(data.length() + 64);
        boolean emailDone = false;
        boolean phoneDone = false;
        for (String l : unfolded(data)) {
            String name = propertyName(l);
            String head = l.substring(0, Math.max(0, valueStart(l)));
            switch (name) {
                case "FN" -> line(b, "FN:" + text(fullName));
                case "N" -> {
                    String n = Composer.oneLine(fullName);
                    int space = n.lastIndexOf(' ');
                    line(b, "N:" + text(space < 0 ? n : n.substring(space + 1)) + ";" + text(space < 0 ? "" : n.substring(0, space)) + ";;;");
                }
                case "EMAIL", "TEL" -> {
                    boolean isEmail = name.equals("EMAIL");
                    String value = isEmail ? email : phone;
                    if (isEmail ? emailDone : phoneDone) {
                        line(b, l);
                    } else if (value != null && !value.isBlank()) {
                        line(b, head + ":" + text(value.strip()));
                    }
                    emailDone |= isEmail;
                    phoneDone |= !isEmail;
                }
                case "END" -> {
                    if (l.equalsIgnoreCase("END:VCARD")) {
                        if (!emailDone && email != null && !email.isBlank()) {
                            line(b, "EMAIL:" + text(email.strip()));
                        }
                        if (!phoneDone && phone != null && !phone.isBlank()) {
                            line(b, "TEL:" + text(phone.strip()));
                        }
                    }
                    line(b, l);
                }
                default -> line(b, l);
            }
        }
        return b.toString();
    }

    /** A content line's property name, upper case, without its group ({@code item1.EMAIL} is EMAIL). */
    private static String propertyName(String l) {
        int end = 0;
        while (end < l.length() && l.charAt(end) != ':' && l.charAt(end) != ';') {
            end++;
        }
        String name = l.substring(0, end).toUpperCase(Locale.ROOT);
        return name.substring(name.indexOf('.') + 1);
    }

    /** The lines of the first {@code component} that is not an exception of a series (no RECURRENCE-ID), its subcomponents left out. */
    private static List<String> master(String data, String component) {
        List<String> block = new ArrayList<>();
        int depth = 0;
        boolean inside = false;
        boolean exception = false;
        for (String l : unfolded(data)) {
            String upper = l.toUpperCase(Locale.ROOT);
            if (!inside && upper.equals("BEGIN:" + component)) {
                inside = true;
                depth = 0;
                block.clear();
                exception = false;
                continue;
            }
            if (!inside) {
                continue;
            }
            if (upper.startsWith("BEGIN:")) {
                depth++;
            } else if (upper.startsWith("END:")) {
                if (depth == 0) {
                    if (!exception) {
                        return block;
                    }
                    inside = false;
                    continue;
                }
                depth--;
            } else if (depth == 0) {
                exception |= propertyName(l).equals("RECURRENCE-ID");
                block.add(l);
            }
        }
        return List.of();
    }

    /**
     * The object with the master component's {@code dropped} properties replaced by {@code added},
     * DTSTAMP and LAST-MODIFIED set to now and SEQUENCE counted up; subcomponents (alarms) and the
     * exceptions of a series as they were.
     */
    private static String rewritten(String data, String component, java.util.Set<String> dropped, List<String> added, Instant now) {
        List<String> lines = unfolded(data);
        // the master's first and last line: found first, so an exception before it is left alone
        int begin = -1;
        int end = -1;
        for (int i = 0; i < lines.size() && end < 0; i++) {
            if (lines.get(i).equalsIgnoreCase("BEGIN:" + component)) {
                int depth = 0;
                boolean exception = false;
                int j = i + 1;
                for (; j < lines.size(); j++) {
                    String upper = lines.get(j).toUpperCase(Locale.ROOT);
                    if (upper.startsWith("BEGIN:")) {
                        depth++;
                    } else if (upper.startsWith("END:")) {
                        if (depth-- == 0) {
                            break;
                        }
                    } else if (depth == 0 && propertyName(lines.get(j)).equals("RECURRENCE-ID")) {
                        exception = true;
                    }
                }
                if (!exception && j < lines.size()) {
                    begin = i;
                    end = j;
                }
                i = j;
            }
        }
        if (begin < 0) {
            throw new IllegalArgumentException("it is not something this page can edit");
        }
        StringBuilder b = new StringBuilder(data.length() + 256);
        int sequence = 0;
        int depth = 0;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (i > begin && i < end) {
                String upper = l.toUpperCase(Locale.ROOT);
                boolean top = depth == 0;
                if (upper.startsWith("BEGIN:")) {
                    depth++;
                } else if (upper.startsWith("END:")) {
                    depth--;
                }
                if (top && !upper.startsWith("BEGIN:")) {
                    String name = propertyName(l);
                    if (name.equals("SEQUENCE")) {
                        try {
                            sequence = Integer.parseInt(l.substring(valueStart(l) + 1).strip());
                        } catch (NumberFormatException ignored) {
                            sequence = 0;
                        }
                        continue;
                    }
                    if (dropped.contains(name) || name.equals("DTSTAMP") || name.equals("LAST-MODIFIED")) {
                        continue;
                    }
                }
            }
            if (i == end) {
                line(b, "DTSTAMP:" + ICAL_UTC.format(now));
                line(b, "LAST-MODIFIED:" + ICAL_UTC.format(now));
                line(b, "SEQUENCE:" + (Math.max(0, sequence) + 1));
                for (String a : added) {
                    line(b, a);
                }
            }
            line(b, l);
        }
        return b.toString();
    }

    static String newTask(String title, LocalDate due, Instant now) {
        StringBuilder b = new StringBuilder("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Postern//Webmail//EN\r\nBEGIN:VTODO\r\n");
        line(b, "UID:" + UUID.randomUUID());
        line(b, "DTSTAMP:" + ICAL_UTC.format(now));
        if (due != null) {
            line(b, "DUE;VALUE=DATE:" + ICAL_DATE.format(due));
        }
        line(b, "STATUS:NEEDS-ACTION");
        line(b, "SUMMARY:" + text(title));
        b.append("END:VTODO\r\nEND:VCALENDAR\r\n");
        return b.toString();
    }

    static String newContact(String name, String email, String phone) {
        StringBuilder b = new StringBuilder("BEGIN:VCARD\r\nVERSION:4.0\r\n");
        line(b, "UID:urn:uuid:" + UUID.randomUUID());
        line(b, "FN:" + text(name));
        if (email != null && !email.isBlank()) {
            line(b, "EMAIL:" + text(email.strip()));
        }
        if (phone != null && !phone.isBlank()) {
            line(b, "TEL:" + text(phone.strip()));
        }
        b.append("END:VCARD\r\n");
        return b.toString();
    }

    /** A task marked done or not done: STATUS, COMPLETED and PERCENT-COMPLETE replaced, all else kept. */
    static String withCompletion(String data, boolean done, Instant now) {
        List<String> lines = unfolded(data);
        StringBuilder b = new StringBuilder(data.length() + 64);
        boolean inTodo = false;
        for (String l : lines) {
            String upper = l.toUpperCase(Locale.ROOT);
            if (upper.equals("BEGIN:VTODO")) {
                inTodo = true;
            }
            if (inTodo && (upper.startsWith("STATUS:") || upper.startsWith("STATUS;") || upper.startsWith("COMPLETED:")
                    || upper.startsWith("COMPLETED;") || upper.startsWith("PERCENT-COMPLETE"))) {
                continue;
            }
            if (inTodo && upper.equals("END:VTODO")) {
                line(b, done ? "STATUS:COMPLETED" : "STATUS:NEEDS-ACTION");
                if (done) {
                    line(b, "COMPLETED:" + ICAL_UTC.format(now));
                    line(b, "PERCENT-COMPLETE:100");
                }
                inTodo = false;
            }
            line(b, l);
        }
        return b.toString();
    }

    static boolean completed(String data) {
        for (String l : unfolded(data)) {
            if (l.toUpperCase(Locale.ROOT).startsWith("STATUS:COMPLETED")) {
                return true;
            }
        }
        return false;
    }

    /** A contact's properties as a reader sees them: (label, value) for the usual ones, in order. */
    static List<Map<String, String>> card(String data) {
        Map<String, String> labels = Map.of("FN", "Name", "EMAIL", "Email", "TEL", "Phone", "ADR", "Address", "ORG", "Organization",
                "TITLE", "Title", "URL", "Web", "NOTE", "Note", "BDAY", "Birthday", "NICKNAME", "Nickname");
        List<Map<String, String>> out = new ArrayList<>();
        for (String l : unfolded(data)) {
            int colon = valueStart(l);
            if (colon < 0) {
                continue;
            }
            String head = l.substring(0, colon);
            String name = head.split(";", 2)[0].toUpperCase(Locale.ROOT);
            int dot = name.indexOf('.');
            if (dot >= 0) {
                name = name.substring(dot + 1); // item1.EMAIL
            }
            String label = labels.get(name);
            if (label != null) {
                String value = unescape(l.substring(colon + 1));
                if (name.equals("ADR")) {
                    value = String.join(", ", List.of(value.split(";")).stream().filter(x -> !x.isBlank()).toList());
                }
                out.add(Map.of("label", label, "value", WebmailServlet.display(value, 500, "")));
            }
        }
        return out;
    }

    /** The colon that ends a content line's name and parameters (not one inside a quoted parameter). */
    private static int valueStart(String l) {
        boolean quoted = false;
        for (int i = 0; i < l.length(); i++) {
            char c = l.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ':' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    static List<String> unfolded(String data) {
        List<String> out = new ArrayList<>();
        for (String raw : data.split("\r\n|\n", -1)) {
            if (!raw.isEmpty() && (raw.charAt(0) == ' ' || raw.charAt(0) == '\t') && !out.isEmpty()) {
                out.set(out.size() - 1, out.get(out.size() - 1) + raw.substring(1));
            } else if (!raw.isEmpty()) {
                out.add(raw);
            }
        }
        return out;
    }

    private static String unescape(String v) {
        StringBuilder b = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length()) {
                char n = v.charAt(++i);
                b.append(n == 'n' || n == 'N' ? '\n' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** TEXT as RFC 5545 3.3.11 and RFC 6350 3.4 escape it, on one line, at most 1000 characters. */
    static String text(String s) {
        String one = Composer.oneLine(s == null ? "" : s);
        if (one.length() > 1000) {
            one = one.substring(0, 1000);
        }
        return one.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,");
    }

    /** A content line, folded at 75 octets without splitting a character (RFC 5545 3.1). */
    private static void line(StringBuilder b, String l) {
        int octets = 0;
        for (int i = 0; i < l.length();) {
            int cp = l.codePointAt(i);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (octets + n > 75) {
                b.append("\r\n ");
                octets = 1;
            }
            b.appendCodePoint(cp);
            octets += n;
            i += Character.charCount(cp);
        }
        b.append("\r\n");
    }

    static LocalTime time(String t) {
        if (t == null || t.isBlank() || t.length() > 5) {
            return null;
        }
        try {
            return LocalTime.parse(t.strip().length() == 4 ? "0" + t.strip() : t.strip());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Saves; returns a refusal in words, or null when saved. */
    static String save(Groupware g, String accountId, String collection, String name, String data, String ifMatch) {
        try {
            g.save(accountId, collection, name, data, ifMatch);
            return null;
        } catch (GroupwareException e) {
            return e.getMessage();
        }
    }

    static List<Map<String, Object>> tasks(Groupware g, String accountId) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (GroupwareCollection c : calendarsWith(g, accountId, "VTODO")) {
            if (!c.components().contains("VTODO")) {
                continue;
            }
            for (GroupwareItem i : g.items(accountId, c.id(), 0, Groupware.MAX_PAGE)) {
                if (!i.data().contains("BEGIN:VTODO")) {
                    continue;
                }
                Map<String, Object> m = new HashMap<>();
                m.put("title", WebmailServlet.display(i.title(), 200, "(no title)"));
                m.put("due", i.end() == null ? "" : i.end().atZone(ZoneOffset.UTC).toLocalDate().toString());
                m.put("done", completed(i.data()));
                m.put("calendar", c.id());
                m.put("name", i.name());
                m.put("etag", i.etag());
                out.add(m);
            }
        }
        out.sort((a, b) -> {
            int d = Boolean.compare((Boolean) a.get("done"), (Boolean) b.get("done"));
            if (d != 0) {
                return d;
            }
            String da = (String) a.get("due");
            String db = (String) b.get("due");
            return da.isEmpty() != db.isEmpty() ? (da.isEmpty() ? 1 : -1) : da.compareTo(db);
        });
        return out;
    }

    static List<Map<String, String>> contacts(Groupware g, String accountId) {
        List<Map<String, String>> out = new ArrayList<>();
        for (GroupwareCollection c : g.addressBooks(accountId)) {
            for (GroupwareItem i : g.items(accountId, c.id(), 0, Groupware.MAX_PAGE)) {
                String email = "";
                for (Map<String, String> p : card(i.data())) {
                    if (p.get("label").equals("Email")) {
                        email = p.get("value");
                        break;
                    }
                }
                out.add(Map.of("name", WebmailServlet.display(i.title(), 200, "(no name)"), "email", email, "book", c.id(),
                        "item", i.name(), "etag", i.etag()));
            }
        }
        out.sort((a, b) -> a.get("name").compareToIgnoreCase(b.get("name")));
        return out;
    }
}
