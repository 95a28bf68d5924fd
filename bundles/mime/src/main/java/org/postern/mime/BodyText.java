package org.postern.mime;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Searches a message's body as its reader sees it, for IMAP {@code SEARCH BODY} and
 * {@code SEARCH TEXT} (RFC 3501 §6.4.4): each {@code text/*} part with its Content-Transfer-Encoding
 * undone (base64, quoted-printable) and its octets read in its charset, and the header of every
 * embedded message (message/rfc822 parts) with its encoded words decoded. A match ignores case
 * (per code point, so "CAFÉ" finds "café") and lies within one part.
 *
 * <p>Not searched: parts of other types (an image's or a PDF's base64 is no text anyone searches
 * for), the preamble and epilogue of multiparts, and the message's own header (the caller searches
 * that for {@code TEXT}). The part headers (Content-Type, Content-Disposition with its file name) are
 * searched only when asked ({@code TEXT}). HTML is searched as decoded markup, tags and entities
 * included.
 *
 * <p>A missing or unknown charset, and US-ASCII, read as UTF-8: 8-bit text that names no charset
 * is UTF-8 in practice, and ASCII is a subset. Octets invalid in the charset become U+FFFD. The
 * message is read once, front to back, with one buffer per stage; a part header is searched up to
 * {@value #MAX_HEADER} octets (a text part's Content-Type and Content-Transfer-Encoding are found
 * further down too, as the parser finds them).
 */
public final class BodyText {
    /** Octets of one part header read into memory. */
    static final int MAX_HEADER = 256 * 1024;

    private BodyText() {
    }

    /**
     * Whether the body contains {@code needle}, case ignored. An empty needle is in every message.
     *
     * @param raw the message's octets from its first (not closed here); {@code structure} must be of
     *        these octets
     * @param withPartHeaders also search the MIME header of every part ({@code SEARCH TEXT})
     * @throws IOException when reading {@code raw} fails
     */
    public static boolean contains(InputStream raw, MessageStructure structure, String needle,
            boolean withPartHeaders) throws IOException {
        CharMatcher matcher = new CharMatcher(needle);
        if (matcher.empty()) {
            return true;
        }
        List<Segment> segments = new ArrayList<>();
        walk(structure.root(), HeaderRole.TOP, withPartHeaders, segments);
        Position in = new Position(raw);
        // one char buffer for all parts: a message may have 10,000 parts of a few octets each
        char[] chars = new char[8 * 1024];
        for (Segment s : segments) {
            if (in.at > s.headerStart) {
                continue; // never seen from the parser; guards against a damaged stored form
            }
            in.skipTo(s.headerStart);
            byte[] header = in.readUpTo(s.bodyStart - s.headerStart, MAX_HEADER);
            if (s.text && in.at < s.bodyStart) {
                header = withLateFields(header, in.bounded(s.bodyStart - in.at));
            }
            in.skipTo(s.bodyStart);
            if (s.searchHeader && headerContains(header, matcher)) {
                return true;
            }
            if (s.text) {
                String cte = field(header, "content-transfer-encoding");
                Charset charset = charset(field(header, "content-type"));
                InputStream body = TransferDecoding.decoding(in.bounded(s.bodyEnd - s.bodyStart), cte,
                        s.bodyEnd - s.bodyStart);
                if (textContains(body, charset, matcher, chars)) {
                    return true;
                }
                in.skipTo(s.bodyEnd);
            }
        }
        return false;
    }

    /** One stretch to look at: a header (searched or only read for its fields) and maybe a text body after it. */
    private record Segment(long headerStart, long bodyStart, long bodyEnd, boolean searchHeader, boolean text) {
    }

    /** Whose header a shape's header is: the message's own (the caller's), an embedded message's, a part's. */
    private enum HeaderRole { TOP, EMBEDDED, PART }

    /**
     * Pre-order, so the segments come in the order of their octets, each header once. Depth is
     * bounded by the parser's nesting limit.
     */
    private static void walk(MessageStructure.Shape n, HeaderRole role, boolean withPartHeaders, List<Segment> out) {
        // an embedded message's header is text of the body it is in; a part's MIME header only for TEXT
        boolean searchHeader = role == HeaderRole.EMBEDDED || role == HeaderRole.PART && withPartHeaders;
        switch (n.kind) {
            case LEAF -> {
                boolean text = "text".equals(n.type);
                if (text || searchHeader) {
                    out.add(new Segment(n.headerStart, n.bodyStart, n.bodyEnd, searchHeader, text));
                }
            }
            case MULTIPART -> {
                if (searchHeader) {
                    out.add(new Segment(n.headerStart, n.bodyStart, n.bodyStart, true, false));
                }
                for (MessageStructure.Shape c : n.children) {
                    walk(c, HeaderRole.PART, withPartHeaders, out);
                }
            }
            case MESSAGE -> {
                if (searchHeader) {
                    out.add(new Segment(n.headerStart, n.bodyStart, n.bodyStart, true, false));
                }
                walk(n.message, HeaderRole.EMBEDDED, withPartHeaders, out);
            }
        }
    }

    private static boolean headerContains(byte[] header, CharMatcher matcher) {
        String raw = new String(header, StandardCharsets.UTF_8);
        String unfolded = unfold(raw);
        matcher.reset();
        if (matcher.feed(unfolded)) {
            return true;
        }
        String decoded = EncodedWords.decode(unfolded);
        matcher.reset();
        return decoded != unfolded && matcher.feed(decoded);
    }

    private static boolean textContains(InputStream body, Charset charset, CharMatcher matcher, char[] buf)
            throws IOException {
        Reader r = new InputStreamReader(body, charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE));
        matcher.reset();
        int n;
        while ((n = r.read(buf)) > 0) {
            if (matcher.feed(buf, 0, n)) {
                return true;
            }
        }
        return false;
    }

    /** Content-Type's charset, as UTF-8 when absent, unknown or US-ASCII. */
    static Charset charset(String contentType) {
        if (contentType != null) {
            MimeValues.ContentType ct = MimeValues.contentType(contentType);
            if (ct != null) {
                for (MimeValues.Param p : ct.params()) {
                    if (p.name().equalsIgnoreCase("charset")) {
                        Charset c = CharsetNames.lookup(p.value().strip());
                        if (c != null && !c.equals(StandardCharsets.US_ASCII)) {
                            return c;
                        }
                        break;
                    }
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    /** Line ends followed by white space removed (RFC 5322 §2.2.3), other line ends kept. */
    private static String unfold(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int eol = c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? 2 : c == '\n' ? 1 : 0;
            if (eol > 0 && i + eol < s.length() && (s.charAt(i + eol) == ' ' || s.charAt(i + eol) == '\t')) {
                i += eol;
                continue;
            }
            b.append(c);
            i++;
        }
        return b.toString();
    }

    /**
     * The first field of that (lower-case) name, unfolded, one char per octet; or null. Read as
     * {@link StructureParser} reads it (a colon in the line's first 80 octets, NULs dropped, at most
     * {@value StructureParser#MAX_FIELD} octets): the parser's reading is the BODYSTRUCTURE clients
     * decode by, and a field read otherwise here would hide a part's text from the search.
     */
    static String field(byte[] header, String name) {
        int i = 0;
        int n = header.length;
        while (i < n) {
            int lineEnd = lineEnd(header, i);
            if (startsWithField(header, i, lineEnd, name)) {
                StringBuilder v = new StringBuilder();
                int colon = i + name.length();
                while (header[colon] != ':') {
                    colon++;
                }
                append(v, header, colon + 1, lineEnd);
                int j = lineEnd;
                while (j < n && (header[j] == ' ' || header[j] == '\t') && v.length() < StructureParser.MAX_FIELD) {
                    int e = lineEnd(header, j);
                    append(v, header, j, e);
                    j = e;
                }
                return v.toString().strip();
            }
            i = lineEnd;
        }
        return null;
    }

    private static int lineEnd(byte[] b, int i) {
        while (i < b.length && b[i] != '\n') {
            i++;
        }
        return Math.min(b.length, i + 1);
    }

    private static boolean startsWithField(byte[] b, int start, int end, String name) {
        if (end - start <= name.length()) {
            return false;
        }
        for (int k = 0; k < name.length(); k++) {
            int c = b[start + k] & 0xff;
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != name.charAt(k)) {
                return false;
            }
        }
        int i = start + name.length();
        while (i < end && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        return i < end && i - start < 80 && b[i] == ':';
    }

    private static void append(StringBuilder v, byte[] b, int from, int to) {
        for (int i = from; i < to && v.length() < StructureParser.MAX_FIELD; i++) {
            if (b[i] != '\r' && b[i] != '\n' && b[i] != 0) {
                v.append((char) (b[i] & 0xff));
            }
        }
    }

    /**
     * A text part's header longer than {@value #MAX_HEADER} octets: its first part and, after it,
     * the first Content-Type and Content-Transfer-Encoding fields of the rest that the first part
     * lacks. The parser reads every field however far down the header, so BODYSTRUCTURE names
     * them and readers decode by them; without them here, padding a header hid the part's text.
     * Reads the rest of the header, holding one line (at most a field's worth) at a time.
     */
    private static byte[] withLateFields(byte[] head, InputStream rest) throws IOException {
        boolean needType = field(head, "content-type") == null;
        boolean needCte = field(head, "content-transfer-encoding") == null;
        if (!needType && !needCte) {
            return head;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(head.length + 256);
        out.write(head);
        out.write('\n'); // ends the line the cut is in
        InputStream r = new BufferedInputStream(rest, 8 * 1024);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        // the rest starts in the middle of a line unless the first part ends with one
        boolean atLineStart = head.length == 0 || head[head.length - 1] == '\n';
        boolean keeping = false;
        int kept = 0;
        int c;
        do {
            c = r.read();
            if (c >= 0 && c != '\n') {
                if (line.size() < StructureParser.MAX_FIELD + 128) {
                    line.write(c);
                }
                continue;
            }
            byte[] l = line.toByteArray();
            line.reset();
            if (atLineStart) {
                if (l.length == 0 || l[0] != ' ' && l[0] != '\t') {
                    keeping = false;
                    kept = 0;
                    if (needType && startsWithField(l, 0, l.length, "content-type")) {
                        needType = false;
                        keeping = true;
                    } else if (needCte && startsWithField(l, 0, l.length, "content-transfer-encoding")) {
                        needCte = false;
                        keeping = true;
                    }
                }
                if (keeping) {
                    out.write(l);
                    out.write('\n');
                    kept += l.length;
                    keeping = kept < StructureParser.MAX_FIELD; // no more of it is read (field() cuts there too)
                }
            }
            atLineStart = true;
        } while (c >= 0 && (needType || needCte || keeping));
        return out.toByteArray();
    }

    /** The raw stream with its offset; hands out bounded views. */
    private static final class Position {
        private final InputStream in;
        long at;

        Position(InputStream in) {
            this.in = in;
        }

        void skipTo(long offset) throws IOException {
            while (at < offset) {
                long s = in.skip(offset - at);
                if (s <= 0) {
                    if (in.read() < 0) {
                        at = offset; // the message is shorter than its structure says: nothing more to read
                        return;
                    }
                    s = 1;
                }
                at += s;
            }
        }

        byte[] readUpTo(long length, int max) throws IOException {
            byte[] b = in.readNBytes((int) Math.min(Math.max(0, length), max));
            at += b.length;
            return b;
        }

        /** The next {@code length} octets; reading them advances this position. Closing does nothing. */
        InputStream bounded(long length) {
            long end = at + length;
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    if (at >= end) {
                        return -1;
                    }
                    int c = in.read();
                    if (c >= 0) {
                        at++;
                    }
                    return c;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (at >= end) {
                        return -1;
                    }
                    int r = in.read(b, off, (int) Math.min(len, end - at));
                    if (r > 0) {
                        at += r;
                    }
                    return r;
                }
            };
        }
    }
}
