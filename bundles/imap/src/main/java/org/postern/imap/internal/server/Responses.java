package org.postern.imap.internal.server;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Locale;
import java.util.TreeSet;

/** Small pieces of response text. */
final class Responses {
    private static final DateTimeFormatter INTERNALDATE =
            DateTimeFormatter.ofPattern("dd-MMM-yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    private Responses() {
    }

    /** A flag list, system flags first, in a stable order. */
    static String flags(Collection<String> flags) {
        StringBuilder b = new StringBuilder("(");
        for (String f : new TreeSet<>(flags)) {
            if (b.length() > 1) {
                b.append(' ');
            }
            b.append(f);
        }
        return b.append(')').toString();
    }

    static String internalDate(Instant t) {
        return "\"" + INTERNALDATE.format(t) + "\"";
    }

    /** A quoted string when safe, else a literal (for text the client supplied or a header holds). */
    static String string(String s) {
        if (s == null) {
            return "NIL";
        }
        boolean quotable = s.length() < 1024;
        for (int i = 0; quotable && i < s.length(); i++) {
            char c = s.charAt(i);
            quotable = c >= 0x20 && c < 0x7f;
        }
        if (quotable) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return "{" + b.length + "}\r\n" + s;
    }
}
