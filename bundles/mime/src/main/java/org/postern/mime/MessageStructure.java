package org.postern.mime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The IMAP view of one message, computed from its raw RFC 5322 octets in one streaming pass:
 * {@code ENVELOPE}, {@code BODYSTRUCTURE} and {@code BODY} as response text ready to send, and the
 * octet ranges each {@code BODY[section]} needs (RFC 3501 §6.4.5, §7.4.2; RFC 9051 §7.5.2).
 * Immutable and thread-safe.
 *
 * <p><b>Response text.</b> The strings hold one char per octet (ISO-8859-1): 8-bit header text
 * is sent as a literal {@code {n}CRLF...} whose {@code n} counts octets, so write them with
 * {@code getBytes(ISO_8859_1)} ({@link #envelopeBytes()} and friends do).
 *
 * <p><b>Memory and time.</b> The body is never kept: only the header fields the structure needs
 * (at most {@value StructureParser#MAX_FIELD} octets each, {@value StructureParser#MAX_RETAINED}
 * for the whole message), one line prefix and one read buffer. Past
 * {@value StructureParser#MAX_DEPTH} levels of multipart/message nesting a part is an opaque
 * {@code application/octet-stream}; past {@value StructureParser#MAX_PARTS} parts the rest of the
 * message is text of the multipart it is in. Hostile input never throws and parses in linear time.
 */
public final class MessageStructure {
    /**
     * The first octet of {@link #toBytes()}: the version of the stored form. Another value is
     * refused by {@link #fromBytes}; the reader then parses the message again.
     */
    public static final int FORMAT_VERSION = 1;

    private final Shape root;
    private final long size;
    private final String envelope;
    private final String bodyStructure;
    private final String body;

    private MessageStructure(Node root, long size) {
        this.size = size;
        this.envelope = envelope(root);
        StringBuilder b = new StringBuilder();
        write(b, root, true);
        this.bodyStructure = b.toString();
        b.setLength(0);
        write(b, root, false);
        this.body = b.toString();
        this.root = Shape.of(root);
    }

    private MessageStructure(Shape root, long size, String envelope, String bodyStructure, String body) {
        this.root = root;
        this.size = size;
        this.envelope = envelope;
        this.bodyStructure = bodyStructure;
        this.body = body;
    }

    /**
     * Reads {@code size} octets of {@code raw} (not closed here).
     *
     * @throws java.io.EOFException when the stream ends before {@code size} octets
     * @throws IOException when reading fails
     */
    public static MessageStructure parse(InputStream raw, long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size");
        }
        StructureParser p = new StructureParser();
        Node root = p.parse(raw, size);
        return new MessageStructure(root, p.size());
    }

    /** The message's size in octets. */
    public long size() {
        return size;
    }

    /** {@code (date subject from sender reply-to to cc bcc in-reply-to message-id)}. */
    public String envelope() {
        return envelope;
    }

    /** The extensible form (FETCH BODYSTRUCTURE). */
    public String bodyStructure() {
        return bodyStructure;
    }

    /** The non-extensible form (FETCH BODY). */
    public String body() {
        return body;
    }

    public byte[] envelopeBytes() {
        return envelope.getBytes(StandardCharsets.ISO_8859_1);
    }

    public byte[] bodyStructureBytes() {
        return bodyStructure.getBytes(StandardCharsets.ISO_8859_1);
    }

    public byte[] bodyBytes() {
        return body.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The section at {@code path} (part numbers from 1; empty for the message itself), or empty
     * when the message has no such part. A non-multipart message (or embedded message) has only
     * part 1, its body; parts of a message/rfc822 part are those of the message inside it.
     */
    public Optional<Part> part(int... path) {
        Shape n = root;
        boolean asMessage = true;
        for (int k : path) {
            if (k < 1) {
                return Optional.empty();
            }
            if (!asMessage && n.kind == Node.Kind.MESSAGE) {
                n = n.message;
                asMessage = true;
            }
            if (n.kind == Node.Kind.MULTIPART) {
                if (k > n.children.length) {
                    return Optional.empty();
                }
                n = n.children[k - 1];
            } else if (!asMessage || k != 1) {
                return Optional.empty();
            }
            asMessage = false;
        }
        Range header = new Range(n.headerStart, n.bodyStart);
        Range bodyRange = new Range(n.bodyStart, n.bodyEnd);
        if (asMessage) {
            return Optional.of(new Part(path, new Range(0, size), header, header, bodyRange, n.type, n.subtype,
                    n.lines));
        }
        Range h = null;
        Range t = null;
        if (n.kind == Node.Kind.MESSAGE) {
            h = new Range(n.message.headerStart, n.message.bodyStart);
            t = new Range(n.message.bodyStart, n.message.bodyEnd);
        }
        return Optional.of(new Part(path, bodyRange, header, h, t, n.type, n.subtype, n.lines));
    }

    // ---- the stored form ----

    /**
     * The compact stored form: everything {@link #envelope()}, {@link #bodyStructure()},
     * {@link #body()} and {@link #part(int...)} answer, so a reader never needs the message again.
     * The first octet is {@link #FORMAT_VERSION}; the layout is in {@link StoredForm}. Typically a
     * few hundred octets to a few KiB: the three response texts and 4 to 8 octets per part.
     */
    public byte[] toBytes() {
        return StoredForm.write(this);
    }

    /**
     * Reads what {@link #toBytes()} wrote (a byte-for-byte equal structure).
     *
     * @throws IllegalArgumentException when {@code stored} is not a stored structure of
     *         {@link #FORMAT_VERSION} (another version, truncated, corrupt, or beyond the parser's
     *         limits): parse the message instead
     */
    public static MessageStructure fromBytes(byte[] stored) {
        return StoredForm.read(stored);
    }

    /** Equal when every answer is: same size, texts and section ranges (the stored forms are equal). */
    @Override
    public boolean equals(Object o) {
        return o instanceof MessageStructure m && size == m.size && envelope.equals(m.envelope)
                && bodyStructure.equals(m.bodyStructure) && body.equals(m.body)
                && java.util.Arrays.equals(toBytes(), m.toBytes());
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(size, envelope, bodyStructure);
    }

    @Override
    public String toString() {
        return "MessageStructure[size=" + size + ", " + bodyStructure.length() + " chars of BODYSTRUCTURE]";
    }

    static MessageStructure of(Shape root, long size, String envelope, String bodyStructure, String body) {
        return new MessageStructure(root, size, envelope, bodyStructure, body);
    }

    Shape root() {
        return root;
    }

    /**
     * What {@link #part(int...)} needs of one part, frozen after parsing (or read from the stored
     * form): its kind, offsets, LF count, media type in lower case, and its parts.
     */
    static final class Shape {
        static final Shape[] NONE = new Shape[0];

        final Node.Kind kind;
        final long headerStart;
        final long bodyStart;
        final long bodyEnd;
        final long lines;
        final String type;
        final String subtype;
        final Shape[] children;
        final Shape message;

        Shape(Node.Kind kind, long headerStart, long bodyStart, long bodyEnd, long lines, String type,
                String subtype, Shape[] children, Shape message) {
            this.kind = kind;
            this.headerStart = headerStart;
            this.bodyStart = bodyStart;
            this.bodyEnd = bodyEnd;
            this.lines = lines;
            this.type = type;
            this.subtype = subtype;
            this.children = children;
            this.message = message;
        }

        /** Depth is bounded by the parser ({@value StructureParser#MAX_DEPTH}), so recursion is fine. */
        static Shape of(Node n) {
            Shape[] children = NONE;
            if (n.kind == Node.Kind.MULTIPART && !n.children.isEmpty()) {
                children = new Shape[n.children.size()];
                for (int i = 0; i < children.length; i++) {
                    children[i] = of(n.children.get(i));
                }
            }
            Shape message = n.kind == Node.Kind.MESSAGE ? of(n.message) : null;
            return new Shape(n.kind, n.headerStart, n.bodyStart, n.bodyEnd, n.lines, lower(n.type), lower(n.subtype),
                    children, message);
        }
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    // ---- writing ----

    private static String envelope(Node m) {
        StringBuilder b = new StringBuilder();
        b.append('(');
        ImapText.nstring(b, m.trimmedField("date"));
        b.append(' ');
        ImapText.nstring(b, m.trimmedField("subject"));
        String from = addresses(m, "from");
        b.append(' ').append(from);
        String sender = addresses(m, "sender");
        b.append(' ').append(sender.equals("NIL") ? from : sender);
        String replyTo = addresses(m, "reply-to");
        b.append(' ').append(replyTo.equals("NIL") ? from : replyTo);
        b.append(' ').append(addresses(m, "to"));
        b.append(' ').append(addresses(m, "cc"));
        b.append(' ').append(addresses(m, "bcc"));
        b.append(' ');
        ImapText.nstring(b, m.trimmedField("in-reply-to"));
        b.append(' ');
        ImapText.nstring(b, m.trimmedField("message-id"));
        return b.append(')').toString();
    }

    private static String addresses(Node m, String field) {
        String v = m.field(field);
        if (v == null) {
            return "NIL";
        }
        List<Addresses.Address> list = new ArrayList<>();
        Addresses.parse(v, list, StructureParser.MAX_PARTS);
        if (list.isEmpty()) {
            return "NIL";
        }
        StringBuilder b = new StringBuilder("(");
        for (Addresses.Address a : list) {
            b.append('(');
            ImapText.nstring(b, a.name());
            b.append(' ');
            ImapText.nstring(b, a.route());
            b.append(' ');
            ImapText.nstring(b, a.mailbox());
            b.append(' ');
            ImapText.nstring(b, a.host());
            b.append(')');
        }
        return b.append(')').toString();
    }

    private static void write(StringBuilder b, Node n, boolean extended) {
        b.append('(');
        if (n.kind == Node.Kind.MULTIPART) {
            if (n.children.isEmpty()) {
                // the grammar needs one part: an empty text/plain, as Dovecot writes it
                b.append(extended ? EMPTY_EXTENDED : EMPTY);
            }
            for (Node c : n.children) {
                write(b, c, extended);
            }
            b.append(' ');
            ImapText.string(b, n.subtype);
            if (extended) {
                b.append(' ');
                params(b, n.params, false);
                common(b, n);
            }
            b.append(')');
            return;
        }
        if (n.demoted) {
            b.append("\"application\" \"octet-stream\"");
        } else {
            ImapText.string(b, n.type);
            b.append(' ');
            ImapText.string(b, n.subtype);
        }
        b.append(' ');
        params(b, n.params, n.text);
        b.append(' ');
        ImapText.nstring(b, n.trimmedField("content-id"));
        b.append(' ');
        ImapText.nstring(b, n.trimmedField("content-description"));
        b.append(' ');
        String cte = n.field("content-transfer-encoding");
        cte = cte == null ? null : MimeValues.singleToken(cte);
        ImapText.string(b, cte == null ? "7bit" : cte);
        b.append(' ').append(n.bodyEnd - n.bodyStart);
        if (n.kind == Node.Kind.MESSAGE) {
            b.append(' ').append(envelope(n.message)).append(' ');
            write(b, n.message, extended);
            b.append(' ').append(n.lines);
        } else if (n.text) {
            b.append(' ').append(n.lines);
        }
        if (extended) {
            b.append(' ');
            ImapText.nstring(b, n.trimmedField("content-md5"));
            common(b, n);
        }
        b.append(')');
    }

    private static final String EMPTY =
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)";
    private static final String EMPTY_EXTENDED =
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL)";

    /** Disposition, language, location. */
    private static void common(StringBuilder b, Node n) {
        b.append(' ');
        String d = n.field("content-disposition");
        MimeValues.Disposition disp = d == null ? null : MimeValues.disposition(d);
        if (disp == null) {
            b.append("NIL");
        } else {
            b.append('(');
            ImapText.string(b, disp.value());
            b.append(' ');
            params(b, disp.params(), false);
            b.append(')');
        }
        b.append(' ');
        String l = n.field("content-language");
        List<String> langs = l == null ? null : MimeValues.languages(l);
        if (langs == null) {
            b.append("NIL");
        } else {
            b.append('(');
            for (int i = 0; i < langs.size(); i++) {
                if (i > 0) {
                    b.append(' ');
                }
                ImapText.string(b, langs.get(i));
            }
            b.append(')');
        }
        b.append(' ');
        ImapText.nstring(b, n.trimmedField("content-location"));
    }

    private static void params(StringBuilder b, List<MimeValues.Param> params, boolean defaultCharset) {
        boolean charset = false;
        for (MimeValues.Param p : params) {
            charset |= p.name().equalsIgnoreCase("charset");
        }
        boolean addCharset = defaultCharset && !charset;
        if (params.isEmpty() && !addCharset) {
            b.append("NIL");
            return;
        }
        b.append('(');
        boolean first = true;
        for (MimeValues.Param p : params) {
            if (!first) {
                b.append(' ');
            }
            first = false;
            ImapText.string(b, p.name());
            b.append(' ');
            ImapText.string(b, p.value());
        }
        if (addCharset) {
            b.append(first ? "" : " ").append("\"charset\" \"us-ascii\"");
        }
        b.append(')');
    }
}
