package org.postern.imap.internal.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A message's header as IMAP needs it without a full parse: where it ends (the blank line
 * belongs to it, RFC 3501 BODY[HEADER]), and its fields unfolded. At most {@link #MAX_HEADER}
 * octets are read; a longer header is cut there.
 */
final class MessageText {
    static final int MAX_HEADER = 256 * 1024;

    /** Header bytes including the blank line, or the whole of a message that has none. */
    final byte[] header;
    /** Where the body starts (header.length unless the header was cut). */
    final long bodyStart;

    private MessageText(byte[] header, long bodyStart) {
        this.header = header;
        this.bodyStart = bodyStart;
    }

    static MessageText empty() {
        return new MessageText(new byte[0], 0);
    }

    static MessageText read(InputStream in) throws IOException {
        byte[] buf = in.readNBytes(MAX_HEADER);
        int end = headerEnd(buf, buf.length);
        if (end < 0) {
            return new MessageText(buf, buf.length);
        }
        return new MessageText(java.util.Arrays.copyOf(buf, end), end);
    }

    /** Index after the first empty line (CRLF CRLF or LF LF), or -1. */
    static int headerEnd(byte[] b, int len) {
        if (len >= 2 && b[0] == '\r' && b[1] == '\n') {
            return 2;
        }
        if (len >= 1 && b[0] == '\n') {
            return 1;
        }
        for (int i = 1; i < len; i++) {
            if (b[i] == '\n') {
                if (i + 1 < len && b[i + 1] == '\n') {
                    return i + 2;
                }
                if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n') {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    /** One header field with its raw lines (folding kept) and its unfolded value. */
    record Field(String name, byte[] raw, String value) {
    }

    private List<Field> fields;

    /** The fields, parsed once. */
    List<Field> fields() {
        if (fields == null) {
            fields = parseFields();
        }
        return fields;
    }

    private List<Field> parseFields() {
        List<Field> out = new ArrayList<>();
        int i = 0;
        int n = header.length;
        while (i < n) {
            int start = i;
            int lineEnd = nextLineEnd(i);
            if (lineEnd - start <= 2 && (header[start] == '\r' || header[start] == '\n')) {
                break; // the blank line
            }
            int end = lineEnd;
            while (end < n && (header[end] == ' ' || header[end] == '\t')) {
                end = nextLineEnd(end);
            }
            String text = new String(header, start, end - start, StandardCharsets.UTF_8);
            int colon = text.indexOf(':');
            if (colon > 0) {
                String name = text.substring(0, colon).trim();
                String value = text.substring(colon + 1).replace("\r\n", "").replace("\n", "").trim();
                out.add(new Field(name, java.util.Arrays.copyOfRange(header, start, end), value));
            }
            i = end;
        }
        return out;
    }

    private int nextLineEnd(int i) {
        while (i < header.length && header[i] != '\n') {
            i++;
        }
        return Math.min(header.length, i + 1);
    }

    /** The first value of a field (case-insensitive name), or null. */
    String value(String name) {
        for (Field f : fields()) {
            if (f.name().equalsIgnoreCase(name)) {
                return f.value();
            }
        }
        return null;
    }

    /**
     * BODY[HEADER.FIELDS (...)] / .NOT: the named fields (or all but them) as sent, then CRLF
     * (RFC 3501: the blank line is part of the result).
     */
    byte[] select(List<String> names, boolean not) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Field f : fields()) {
            boolean named = false;
            for (String n : names) {
                if (n.equalsIgnoreCase(f.name())) {
                    named = true;
                    break;
                }
            }
            if (named != not) {
                out.writeBytes(f.raw());
            }
        }
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
