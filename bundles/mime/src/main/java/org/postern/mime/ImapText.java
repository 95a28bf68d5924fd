package org.postern.mime;

/**
 * Appends IMAP strings to response text held as one char per octet (ISO-8859-1). The rule is the
 * one {@code ImapResponseWriter.string} uses: a quoted string when the value is at most 1024 octets
 * of 7-bit text without CR, LF or NUL ({@code "} and {@code \} escaped), else a literal
 * {@code {n}CRLF} followed by the octets. NULs never reach here (removed when headers are read).
 */
final class ImapText {
    static final int MAX_QUOTED = 1024;

    private ImapText() {
    }

    static void string(StringBuilder b, String s) {
        boolean quotable = s.length() <= MAX_QUOTED;
        for (int i = 0; i < s.length() && quotable; i++) {
            char c = s.charAt(i);
            quotable = c != 0 && c < 0x80 && c != '\r' && c != '\n';
        }
        if (quotable) {
            b.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') {
                    b.append('\\');
                }
                b.append(c);
            }
            b.append('"');
        } else {
            b.append('{').append(s.length()).append("}\r\n").append(s);
        }
    }

    static void nstring(StringBuilder b, String s) {
        if (s == null) {
            b.append("NIL");
        } else {
            string(b, s);
        }
    }
}
