package org.postern.mailauth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The header section of a message (RFC 5322 §2.2), field by field, octets as received: what the
 * DKIM verifier hashes, where DMARC finds From, and where the MX finds forged
 * Authentication-Results to leave out.
 *
 * @param fields in message order, each with its folded lines and its final CRLF
 * @param bodyOffset the offset of the first body octet (after the empty line), or the length
 *        read when the message ended inside the header (no body)
 * @param truncated the header was longer than the limit given to {@link #read}: {@code fields}
 *        holds what came before it and {@code bodyOffset} is meaningless
 */
public record HeaderFields(List<Field> fields, long bodyOffset, boolean truncated) {
    /** One header field. {@code raw} includes continuation lines and the line end. */
    public record Field(String name, byte[] raw, long offset) {
        /** The name in lower case, for comparisons. */
        public String lowerName() {
            return name.toLowerCase(Locale.ROOT);
        }

        /** The octets after the colon up to the final line end, one char per octet (ISO-8859-1). */
        public String value() {
            int colon = indexOfColon(raw);
            int end = raw.length;
            if (end >= 2 && raw[end - 2] == '\r' && raw[end - 1] == '\n') {
                end -= 2;
            } else if (end >= 1 && raw[end - 1] == '\n') {
                end -= 1;
            }
            return colon < 0 ? "" : new String(raw, colon + 1, Math.max(0, end - colon - 1), StandardCharsets.ISO_8859_1);
        }
    }

    public HeaderFields {
        fields = Collections.unmodifiableList(new ArrayList<>(fields));
    }

    /** Every field with this name (case-insensitive), in message order. */
    public List<Field> named(String name) {
        List<Field> out = new ArrayList<>();
        for (Field f : fields) {
            if (f.name().equalsIgnoreCase(name)) {
                out.add(f);
            }
        }
        return out;
    }

    /**
     * Reads the header section and stops right after the empty line that ends it (or at the end
     * of the stream), so the caller's stream is then at the first body octet. Reads one octet at
     * a time: give it a buffered stream. Lines end in CRLF or LF; a line without a colon that is
     * no continuation becomes a field with an empty name (kept, never interpreted).
     *
     * @param max the most header octets read; past it the result is {@link #truncated()}
     */
    public static HeaderFields read(InputStream in, int max) throws IOException {
        return read(in, max, Integer.MAX_VALUE);
    }

    /**
     * As {@link #read(InputStream, int)}, and {@link #truncated()} past {@code maxFields} fields
     * too: a header of many tiny fields costs far more memory than its octets.
     */
    public static HeaderFields read(InputStream in, int max, int maxFields) throws IOException {
        List<Field> fields = new ArrayList<>();
        ByteArrayOutputStream current = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        long offset = 0;
        long fieldStart = 0;
        while (true) {
            if (offset >= max || fields.size() > maxFields) {
                return new HeaderFields(fields, offset, true);
            }
            int c = in.read();
            if (c < 0) {
                if (line.size() > 0) {
                    // a last line without its line end
                    if (isContinuation(line) && current.size() > 0) {
                        current.writeBytes(line.toByteArray());
                    } else {
                        flush(fields, current, fieldStart);
                        fieldStart = offset - line.size();
                        current.writeBytes(line.toByteArray());
                    }
                }
                flush(fields, current, fieldStart);
                return new HeaderFields(fields, offset, false);
            }
            offset++;
            line.write(c);
            if (c != '\n') {
                continue;
            }
            byte[] l = line.toByteArray();
            line.reset();
            boolean empty = l.length == 1 || (l.length == 2 && l[0] == '\r');
            if (empty) {
                flush(fields, current, fieldStart);
                return new HeaderFields(fields, offset, false);
            }
            if ((l[0] == ' ' || l[0] == '\t') && current.size() > 0) {
                current.writeBytes(l);
            } else {
                flush(fields, current, fieldStart);
                fieldStart = offset - l.length;
                current.writeBytes(l);
            }
        }
    }

    private static boolean isContinuation(ByteArrayOutputStream line) {
        byte[] l = line.toByteArray();
        return l.length > 0 && (l[0] == ' ' || l[0] == '\t');
    }

    private static void flush(List<Field> fields, ByteArrayOutputStream current, long start) {
        if (current.size() == 0) {
            return;
        }
        byte[] raw = current.toByteArray();
        current.reset();
        int colon = indexOfColon(raw);
        String name = colon < 0 ? "" : new String(raw, 0, colon, StandardCharsets.ISO_8859_1).strip();
        fields.add(new Field(name, raw, start));
    }

    private static int indexOfColon(byte[] raw) {
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == ':') {
                return i;
            }
            if (raw[i] == '\r' || raw[i] == '\n') {
                return -1;
            }
        }
        return -1;
    }
}
