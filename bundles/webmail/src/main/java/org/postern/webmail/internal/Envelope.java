package org.postern.webmail.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.postern.mime.EncodedWords;

/**
 * The fields of an IMAP ENVELOPE (RFC 3501 7.4.2) that a conversation needs, read from the
 * structure the store keeps for every message: so grouping a 10,000-message folder never opens a
 * message body. The text is the store's own output (one char per octet, quoted strings or
 * literals), but it is read as if it were hostile: anything unexpected gives null fields, never an
 * exception.
 *
 * @param subject decoded (RFC 2047), or null
 * @param from the first From mailbox as shown: its decoded name, else its address; or null
 */
record Envelope(String subject, String from, String inReplyTo, String messageId) {
    static final Envelope NONE = new Envelope(null, null, null, null);

    static Envelope parse(String text) {
        if (text == null) {
            return NONE;
        }
        try {
            Object top = new Reader(text).value();
            if (!(top instanceof List<?> items) || items.size() < 10) {
                return NONE;
            }
            return new Envelope(decoded(items.get(1)), sender(items.get(2)), messageIdOf(items.get(8)),
                    messageIdOf(items.get(9)));
        } catch (RuntimeException malformed) {
            return NONE;
        }
    }

    private static String decoded(Object o) {
        return o instanceof String s ? EncodedWords.decode(utf8(s)).strip() : null;
    }

    private static String sender(Object o) {
        if (!(o instanceof List<?> list) || list.isEmpty() || !(list.get(0) instanceof List<?> a) || a.size() < 4) {
            return null;
        }
        String name = decoded(a.get(0));
        if (name != null && !name.isEmpty()) {
            return name;
        }
        if (a.get(2) instanceof String mailbox && a.get(3) instanceof String host) {
            return utf8(mailbox) + "@" + utf8(host);
        }
        return null;
    }

    /** The first {@code <...>} of the field (In-Reply-To may carry more than one, or comments). */
    private static String messageIdOf(Object o) {
        if (!(o instanceof String s)) {
            return null;
        }
        int lt = s.indexOf('<');
        int gt = lt < 0 ? -1 : s.indexOf('>', lt);
        if (gt <= lt + 1 || gt - lt > 998) {
            return null;
        }
        return s.substring(lt, gt + 1);
    }

    private static String utf8(String octets) {
        return new String(octets.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    /** IMAP values: NIL (null), strings, and parenthesised lists of them. */
    private static final class Reader {
        private final String s;
        private int i;
        private int depth;

        Reader(String s) {
            this.s = s;
        }

        Object value() {
            while (s.charAt(i) == ' ') {
                i++;
            }
            char c = s.charAt(i);
            if (c == '(') {
                if (++depth > 8) {
                    throw new IllegalArgumentException("too deep");
                }
                i++;
                List<Object> list = new ArrayList<>();
                while (true) {
                    while (s.charAt(i) == ' ') {
                        i++;
                    }
                    if (s.charAt(i) == ')') {
                        i++;
                        depth--;
                        return list;
                    }
                    list.add(value());
                }
            }
            if (c == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while ((c = s.charAt(i++)) != '"') {
                    b.append(c == '\\' ? s.charAt(i++) : c);
                }
                return b.toString();
            }
            if (c == '{') {
                int close = s.indexOf('}', i);
                int n = Integer.parseInt(s, i + 1, close, 10);
                int start = close + 3; // "}\r\n"
                i = start + n;
                return s.substring(start, i);
            }
            if (s.startsWith("NIL", i)) {
                i += 3;
                return null;
            }
            throw new IllegalArgumentException("unexpected " + c);
        }
    }
}
