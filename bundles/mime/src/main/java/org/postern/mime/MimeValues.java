package org.postern.mime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lenient readers of MIME header values (RFC 2045, 2183, 2231, 3282) over unfolded header text
 * (one char per octet). Garbage in, best effort out; never throws.
 */
final class MimeValues {
    private MimeValues() {
    }

    /** A parameter as it will be sent: name and value strings. */
    record Param(String name, String value) {
    }

    /** {@code type/subtype; params}; null when the value has no valid {@code type/subtype}. */
    record ContentType(String type, String subtype, List<Param> params) {
    }

    /** {@code disposition; params}; null when there is no token. */
    record Disposition(String value, List<Param> params) {
    }

    static ContentType contentType(String v) {
        Cursor c = new Cursor(v);
        c.skipCfws();
        String type = c.token();
        c.skipCfws();
        if (type.isEmpty() || !c.eat('/')) {
            return null;
        }
        c.skipCfws();
        String subtype = c.token();
        if (subtype.isEmpty()) {
            return null;
        }
        return new ContentType(type, subtype, params(c));
    }

    static Disposition disposition(String v) {
        Cursor c = new Cursor(v);
        c.skipCfws();
        String d = c.token();
        if (d.isEmpty()) {
            return null;
        }
        return new Disposition(d, params(c));
    }

    /** A single token with nothing else but comments and whitespace (Content-Transfer-Encoding). */
    static String singleToken(String v) {
        Cursor c = new Cursor(v);
        c.skipCfws();
        String t = c.token();
        c.skipCfws();
        return t.isEmpty() || !c.atEnd() ? null : t;
    }

    /** Content-Language: a comma-separated list of tags; null when there is none. */
    static List<String> languages(String v) {
        Cursor c = new Cursor(v);
        List<String> out = new ArrayList<>();
        while (true) {
            c.skipCfws();
            String t = c.token();
            if (t.isEmpty()) {
                break;
            }
            out.add(t);
            c.skipCfws();
            if (!c.eat(',')) {
                break;
            }
        }
        return out.isEmpty() ? null : List.copyOf(out);
    }

    private static final Pattern INDEXED = Pattern.compile("(.+?)\\*([0-9]{1,9})(\\*?)");

    /**
     * {@code ; name=value} pairs until the end or the first malformed one. RFC 2231 continuations
     * ({@code name*0}, {@code name*1*}...) are merged into one parameter: {@code name} when no
     * segment is extended, else {@code name*} with the value still in its {@code charset'lang'%XX}
     * form (7-bit, for the client to decode). The first parameter of a name wins.
     */
    static List<Param> params(Cursor c) {
        List<String[]> raw = new ArrayList<>();
        while (true) {
            c.skipCfws();
            if (!c.eat(';')) {
                break;
            }
            c.skipCfws();
            if (c.atEnd()) {
                break;
            }
            if (c.peek() == ';') {
                continue;
            }
            String name = c.token();
            c.skipCfws();
            if (name.isEmpty() || !c.eat('=')) {
                break;
            }
            c.skipCfws();
            String value = c.peek() == '"' ? c.quoted() : c.token();
            raw.add(new String[] {name, value});
        }
        if (raw.isEmpty()) {
            return List.of();
        }
        // merge continuations, keeping the position of each name's first appearance
        Map<String, Object> byKey = new LinkedHashMap<>();
        Map<String, String> spelling = new LinkedHashMap<>();
        for (String[] p : raw) {
            Matcher m = INDEXED.matcher(p[0]);
            if (m.matches()) {
                String base = m.group(1);
                String key = base.toLowerCase(Locale.ROOT) + "\u0000indexed";
                Object o = byKey.computeIfAbsent(key, k -> new TreeMap<Integer, String[]>());
                spelling.putIfAbsent(key, base);
                @SuppressWarnings("unchecked")
                TreeMap<Integer, String[]> segs = (TreeMap<Integer, String[]>) o;
                if (segs.size() < 1000) {
                    segs.putIfAbsent(Integer.parseInt(m.group(2)),
                            new String[] {p[1], m.group(3).isEmpty() ? "" : "*"});
                }
            } else {
                String key = p[0].toLowerCase(Locale.ROOT);
                byKey.putIfAbsent(key, p[1]);
                spelling.putIfAbsent(key, p[0]);
            }
        }
        List<Param> out = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        // plain parameters first, then the merged continuations (Dovecot's order)
        List<Map.Entry<String, Object>> entries = new ArrayList<>(byKey.entrySet());
        entries.sort(java.util.Comparator.comparing(e -> e.getValue() instanceof String ? 0 : 1));
        for (Map.Entry<String, Object> e : entries) {
            String name = spelling.get(e.getKey());
            String value;
            if (e.getValue() instanceof String s) {
                value = s;
            } else {
                @SuppressWarnings("unchecked")
                TreeMap<Integer, String[]> segs = (TreeMap<Integer, String[]>) e.getValue();
                boolean extended = segs.values().stream().anyMatch(s -> !s[1].isEmpty());
                StringBuilder b = new StringBuilder();
                boolean first = true;
                for (String[] s : segs.values()) {
                    if (extended && s[1].isEmpty()) {
                        if (first) {
                            b.append("''");
                        }
                        percentEncode(s[0], b);
                    } else {
                        b.append(s[0]);
                    }
                    first = false;
                }
                value = b.toString();
                if (extended) {
                    name = name + "*";
                }
            }
            // an unindexed parameter of the same name wins over merged continuations
            if (names.add(name.toLowerCase(Locale.ROOT))) {
                out.add(new Param(name, value));
            }
        }
        return List.copyOf(out);
    }

    private static void percentEncode(String s, StringBuilder b) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch > 0x20 && ch < 0x7f && ch != '%' && ch != '\'' && "()<>@,;:\\\"/[]?=*".indexOf(ch) < 0) {
                b.append(ch);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit((ch >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(ch & 0xf, 16)));
            }
        }
    }

    /** A position in a header value. */
    /**
     * The comment at {@code at[0]} ('('), nested comments included as text, quoted pairs
     * unquoted; {@code at[0]} is left after its closing ')' (or at the end).
     */
    static String comment(String s, int[] at) {
        int i = at[0];
        StringBuilder b = new StringBuilder();
        int depth = 0;
        while (i < s.length()) {
            char ch = s.charAt(i++);
            if (ch == '\\' && i < s.length()) {
                b.append(s.charAt(i++));
                continue;
            }
            if (ch == '(') {
                if (depth++ > 0) {
                    b.append(ch);
                }
            } else if (ch == ')') {
                if (--depth == 0) {
                    break;
                }
                b.append(ch);
            } else {
                b.append(ch);
            }
        }
        at[0] = i;
        return b.toString();
    }

    static final class Cursor {
        private final String s;
        private int i;

        Cursor(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return i >= s.length();
        }

        char peek() {
            return i < s.length() ? s.charAt(i) : 0;
        }

        boolean eat(char ch) {
            if (peek() == ch && !atEnd()) {
                i++;
                return true;
            }
            return false;
        }

        /** Skips whitespace and (nested) comments; an unclosed comment runs to the end. */
        void skipCfws() {
            while (i < s.length()) {
                char ch = s.charAt(i);
                if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
                    i++;
                } else if (ch == '(') {
                    comment();
                } else {
                    break;
                }
            }
        }

        /** Reads a comment at '(' and returns its text (nested comments included as text). */
        String comment() {
            int[] at = {i};
            String text = MimeValues.comment(s, at);
            i = at[0];
            return text;
        }

        /** RFC 2045 token (8-bit octets accepted); empty when there is none. */
        String token() {
            int start = i;
            while (i < s.length() && isTokenChar(s.charAt(i))) {
                i++;
            }
            return s.substring(start, i);
        }

        /** A quoted string at '"', unescaped; an unterminated one runs to the end. */
        String quoted() {
            StringBuilder b = new StringBuilder();
            i++;
            while (i < s.length()) {
                char ch = s.charAt(i++);
                if (ch == '"') {
                    break;
                }
                if (ch == '\\' && i < s.length()) {
                    ch = s.charAt(i++);
                }
                b.append(ch);
            }
            return b.toString();
        }

        static boolean isTokenChar(char ch) {
            return ch > 0x20 && ch != 0x7f && "()<>@,;:\\\"/[]?=".indexOf(ch) < 0;
        }
    }
}
