package org.postern.mime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A message as a mail reader shows it: its header fields decoded (RFC 2047 encoded words, and
 * RFC 6532 UTF-8 header text), its readable text (the first {@code text/plain} part that is not an
 * attachment, and separately the first {@code text/html} one, both with their
 * Content-Transfer-Encoding undone and read in their charset) and its attachments (every other
 * leaf, and embedded messages, which are not opened). Lenient like the rest of this package: what a
 * sender got wrong is shown as well as it can be, never an exception.
 * <p>
 * Memory: the caller holds the message's octets; each text is read up to a limit of characters
 * given by the caller, so a 50 MB text part costs at most that limit.
 */
public final class ReadableMessage {
    /** A part that is offered for download: {@code path} as IMAP numbers it ({@code "2"}, {@code "1.3"}). */
    public record Attachment(String path, String fileName, String contentType, long encodedSize) {
    }

    private final byte[] raw;
    private final byte[] header;
    private final String text;
    private final boolean textTruncated;
    private final String html;
    private final boolean htmlTruncated;
    private final List<Attachment> attachments;

    private ReadableMessage(byte[] raw, byte[] header, String text, boolean textTruncated, String html,
            boolean htmlTruncated, List<Attachment> attachments) {
        this.raw = raw;
        this.header = header;
        this.text = text;
        this.textTruncated = textTruncated;
        this.html = html;
        this.htmlTruncated = htmlTruncated;
        this.attachments = List.copyOf(attachments);
    }

    /**
     * @param raw the message's octets (kept, not copied)
     * @param maxChars the longest text and HTML read; the rest is cut and {@link #textTruncated()}
     *        says so
     */
    public static ReadableMessage of(byte[] raw, int maxChars) throws IOException {
        MessageStructure s = MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
        MessageStructure.Shape root = s.root();
        byte[] header = slice(raw, root.headerStart, root.bodyStart);
        List<Leaf> leaves = new ArrayList<>();
        collect(root, true, new int[0], leaves);
        Leaf plain = null;
        Leaf rich = null;
        List<Attachment> attachments = new ArrayList<>();
        for (Leaf l : leaves) {
            byte[] h = slice(raw, l.shape.headerStart, l.shape.bodyStart);
            String disposition = BodyText.field(h, "content-disposition");
            MimeValues.Disposition d = disposition == null ? null : MimeValues.disposition(disposition);
            boolean attached = d != null && "attachment".equalsIgnoreCase(d.value());
            boolean isText = l.shape.kind == Node.Kind.LEAF && "text".equals(l.shape.type);
            if (isText && !attached && plain == null && "plain".equals(l.shape.subtype)) {
                plain = l;
            } else if (isText && !attached && rich == null && "html".equals(l.shape.subtype)) {
                rich = l;
            } else {
                String contentType = BodyText.field(h, "content-type");
                MimeValues.ContentType ct = contentType == null ? null : MimeValues.contentType(contentType);
                String name = d == null ? null : param(d.params(), "filename");
                if (name == null && ct != null) {
                    name = param(ct.params(), "name");
                }
                String type = l.shape.type + "/" + l.shape.subtype;
                attachments.add(new Attachment(path(l.path), name == null ? null : headerText(name), type,
                        l.shape.bodyEnd - l.shape.bodyStart));
            }
        }
        String[] t = plain == null ? null : decode(raw, plain.shape, maxChars);
        String[] hx = rich == null ? null : decode(raw, rich.shape, maxChars);
        return new ReadableMessage(raw, header, t == null ? null : t[0], t != null && t[1] != null,
                hx == null ? null : hx[0], hx != null && hx[1] != null, attachments);
    }

    /** The first field of that name, unfolded and decoded, or null. */
    public String header(String name) {
        String v = BodyText.field(header, name.toLowerCase(Locale.ROOT));
        return v == null ? null : headerText(v.strip());
    }

    /** The readable plain text, or null when the message has none (HTML only, or no text at all). */
    public String text() {
        return text;
    }

    public boolean textTruncated() {
        return textTruncated;
    }

    /** The first HTML part's markup as sent (not sanitized: that is the caller's job), or null. */
    public String html() {
        return html;
    }

    public boolean htmlTruncated() {
        return htmlTruncated;
    }

    public List<Attachment> attachments() {
        return attachments;
    }

    /**
     * An attachment's content with its Content-Transfer-Encoding undone, or empty when the message
     * has no such part.
     */
    public Optional<InputStream> attachment(String path) throws IOException {
        int[] numbers;
        try {
            String[] p = path.split("\\.", -1);
            numbers = new int[p.length];
            for (int i = 0; i < p.length; i++) {
                numbers[i] = Integer.parseInt(p[i]);
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        MessageStructure s = MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
        Optional<Part> part = s.part(numbers);
        if (part.isEmpty()) {
            return Optional.empty();
        }
        Range mime = part.get().mime();
        Range content = part.get().content();
        byte[] h = slice(raw, mime.start(), mime.end());
        String cte = "message".equals(part.get().type()) ? null : BodyText.field(h, "content-transfer-encoding");
        InputStream body = new ByteArrayInputStream(raw, (int) content.start(), (int) content.length());
        return Optional.of(TransferDecoding.decoding(body, cte, content.length()));
    }

    private record Leaf(MessageStructure.Shape shape, int[] path) {
    }

    /** Leaves and embedded messages in document order; nested messages are not opened. */
    private static void collect(MessageStructure.Shape n, boolean top, int[] path, List<Leaf> out) {
        switch (n.kind) {
            case MULTIPART -> {
                for (int i = 0; i < n.children.length; i++) {
                    int[] p = java.util.Arrays.copyOf(path, path.length + 1);
                    p[path.length] = i + 1;
                    collect(n.children[i], false, p, out);
                }
            }
            case LEAF, MESSAGE -> {
                out.add(new Leaf(n, top ? new int[] {1} : path));
            }
        }
    }

    private static String path(int[] p) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < p.length; i++) {
            if (i > 0) {
                b.append('.');
            }
            b.append(p[i]);
        }
        return b.toString();
    }

    /** A parameter's value; its RFC 2231 form ({@code name*=charset'lang'%XX}) first, decoded. */
    private static String param(List<MimeValues.Param> params, String name) {
        for (MimeValues.Param p : params) {
            if (p.name().equalsIgnoreCase(name + "*")) {
                String decoded = rfc2231(p.value());
                if (decoded != null) {
                    return decoded;
                }
            }
        }
        for (MimeValues.Param p : params) {
            if (p.name().equalsIgnoreCase(name)) {
                return p.value();
            }
        }
        return null;
    }

    private static String rfc2231(String v) {
        int first = v.indexOf('\'');
        int second = first < 0 ? -1 : v.indexOf('\'', first + 1);
        if (second < 0) {
            return null;
        }
        Charset charset = CharsetNames.lookup(v.substring(0, first).strip());
        if (charset == null) {
            charset = StandardCharsets.UTF_8;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(v.length());
        for (int i = second + 1; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '%' && i + 2 < v.length() && Character.digit(v.charAt(i + 1), 16) >= 0 && Character.digit(v.charAt(i + 2), 16) >= 0) {
                out.write(Character.digit(v.charAt(i + 1), 16) * 16 + Character.digit(v.charAt(i + 2), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return new String(out.toByteArray(), charset);
    }

    /** {text, non-null when cut}. */
    private static String[] decode(byte[] raw, MessageStructure.Shape leaf, int maxChars) throws IOException {
        byte[] h = slice(raw, leaf.headerStart, leaf.bodyStart);
        String cte = BodyText.field(h, "content-transfer-encoding");
        Charset charset = BodyText.charset(BodyText.field(h, "content-type"));
        long length = leaf.bodyEnd - leaf.bodyStart;
        InputStream body = TransferDecoding.decoding(
                new ByteArrayInputStream(raw, (int) leaf.bodyStart, (int) length), cte, length);
        StringBuilder b = new StringBuilder((int) Math.min(length, maxChars));
        char[] buf = new char[8192];
        try (Reader r = new InputStreamReader(body, charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE))) {
            int n;
            while ((n = r.read(buf)) > 0) {
                int room = maxChars - b.length();
                if (n > room) {
                    b.append(buf, 0, room);
                    return new String[] {b.toString(), "cut"};
                }
                b.append(buf, 0, n);
            }
        }
        return new String[] {b.toString(), null};
    }

    /** One char per octet (as {@link BodyText#field} reads) to text: UTF-8 when it is valid UTF-8, then encoded words. */
    private static String headerText(String octets) {
        boolean eightBit = false;
        for (int i = 0; i < octets.length() && !eightBit; i++) {
            eightBit = octets.charAt(i) > 0x7f;
        }
        String s = octets;
        if (eightBit) {
            try {
                s = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(octets.getBytes(StandardCharsets.ISO_8859_1)))
                        .toString();
            } catch (CharacterCodingException notUtf8) {
                s = octets; // Latin-1, as the octets were
            }
        }
        return EncodedWords.decode(s);
    }

    private static byte[] slice(byte[] raw, long from, long to) {
        int f = (int) Math.min(from, raw.length);
        int t = (int) Math.min(Math.max(to, from), raw.length);
        // a header is read at most this far, as the search reads it
        t = Math.min(t, f + BodyText.MAX_HEADER);
        return java.util.Arrays.copyOfRange(raw, f, t);
    }
}
