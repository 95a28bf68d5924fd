package org.postern.mime;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The one-pass line parser behind {@link MessageStructure}: headers are read only for the fields
 * the structure needs, bodies are only counted, and nothing recurses, so neither nesting nor size
 * costs stack or heap beyond the limits below.
 */
final class StructureParser {
    /** Multipart and message/rfc822 levels; a deeper one is an opaque application/octet-stream part. */
    static final int MAX_DEPTH = 100;
    /** Parts (the message and embedded messages included); past it, the rest is text of the part it is in. */
    static final int MAX_PARTS = 10_000;
    /** Longest boundary honoured (RFC 2046 allows 70); a longer one makes the multipart opaque. */
    static final int MAX_BOUNDARY = 200;
    /** Octets kept of one header field (folded lines together). */
    static final int MAX_FIELD = 64 * 1024;
    /** Octets of header fields kept for the whole message, over all parts. */
    static final int MAX_RETAINED = 4 * 1024 * 1024;
    /** Octets kept of one line; the rest is counted only. */
    private static final int KEEP = MAX_FIELD + 128;

    private static final Set<String> CONTENT_FIELDS = Set.of("content-type", "content-transfer-encoding",
            "content-id", "content-description", "content-disposition", "content-language",
            "content-location", "content-md5");
    private static final Set<String> ENVELOPE_FIELDS = Set.of("date", "subject", "in-reply-to", "message-id");
    static final Set<String> ADDRESS_FIELDS = Set.of("from", "sender", "reply-to", "to", "cc", "bcc");

    private final List<Node> active = new ArrayList<>();
    private Node root;
    private Node cur;
    private int parts;
    private long retained;
    private long size;

    Node parse(InputStream in, long declaredSize) throws IOException {
        LineReader r = new LineReader(in, declaredSize, KEEP);
        root = new Node(null, true, 0);
        cur = root;
        parts = 1;
        int prevTerm = 0;
        while (r.next()) {
            byte[] line = r.line();
            int kept = r.kept();
            if (!active.isEmpty() && kept >= 2 && line[0] == '-' && line[1] == '-') {
                if (boundary(r, prevTerm)) {
                    prevTerm = r.terminator();
                    continue;
                }
            }
            if (cur.inHeader()) {
                headerLine(r);
            }
            prevTerm = r.terminator();
        }
        size = r.lineStart();
        long lf = r.lfTotal();
        for (Node n = cur; n != null; n = n.parent) {
            finish(n, size, lf);
        }
        return root;
    }

    long size() {
        return size;
    }

    /** Handles a line that may be a delimiter; true when it was one. */
    private boolean boundary(LineReader r, int prevTerm) {
        byte[] line = r.line();
        int kept = r.kept();
        Node best = null;
        for (int k = active.size() - 1; k >= 0; k--) {
            Node m = active.get(k);
            byte[] b = m.boundary;
            if (b.length <= kept - 2 && (best == null || b.length > best.boundary.length)
                    && java.util.Arrays.equals(line, 2, 2 + b.length, b, 0, b.length)) {
                best = m;
            }
        }
        if (best == null) {
            return false;
        }
        int bl = best.boundary.length;
        boolean close = kept >= bl + 4 && line[2 + bl] == '-' && line[3 + bl] == '-';
        // the line break before the delimiter belongs to it (RFC 2046 §5.1.1)
        long e = r.lineStart() - prevTerm;
        long lfE = r.lfBefore() - (prevTerm > 0 ? 1 : 0);
        while (cur != best) {
            finish(cur, e, lfE);
            cur = cur.parent;
        }
        while (active.get(active.size() - 1) != best) {
            active.remove(active.size() - 1);
        }
        if (close) {
            active.remove(active.size() - 1);
            best.closed = true;
        } else if (parts >= MAX_PARTS) {
            // no more parts: the rest of the message is text of this multipart
            active.clear();
        } else {
            Node c = new Node(best, false, r.lineEnd());
            c.bodyStartLf = r.lfTotal();
            best.children.add(c);
            parts++;
            cur = c;
        }
        return true;
    }

    private void headerLine(LineReader r) {
        Node n = cur;
        byte[] line = r.line();
        int kept = r.kept();
        if (r.lineLength() == 0) {
            endHeader(n, r.lineEnd(), r.lfTotal(), false);
            return;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            if (n.currentField != null) {
                append(n.currentField, line, 0, kept);
            }
            return;
        }
        n.currentField = null;
        int colon = -1;
        for (int i = 0; i < kept && i < 80; i++) {
            if (line[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= 0) {
            return; // not a header field; kept as header text, like most parsers do
        }
        int end = colon;
        while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) {
            end--;
        }
        String name = new String(line, 0, end, java.nio.charset.StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        boolean address = n.isMessage && ADDRESS_FIELDS.contains(name);
        if (!CONTENT_FIELDS.contains(name) && !address && !(n.isMessage && ENVELOPE_FIELDS.contains(name))) {
            return;
        }
        StringBuilder b = n.fields.get(name);
        if (b != null && !address) {
            return; // the first one counts
        }
        if (b == null) {
            b = new StringBuilder();
            n.fields.put(name, b);
        } else {
            append(b, new byte[] {','}, 0, 1); // a repeated address field adds to the list
        }
        n.currentField = b;
        append(b, line, colon + 1, kept);
    }

    private void append(StringBuilder b, byte[] src, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b.length() >= MAX_FIELD || retained >= MAX_RETAINED) {
                return;
            }
            byte c = src[i];
            if (c != 0) {
                b.append((char) (c & 0xff));
                retained++;
            }
        }
    }

    /** The header of {@code n} ends; its body starts at {@code bodyStart}. */
    private void endHeader(Node n, long bodyStart, long lf, boolean forced) {
        n.bodyStart = bodyStart;
        n.bodyStartLf = lf;
        n.currentField = null;
        n.classify(n.depth < MAX_DEPTH && parts < MAX_PARTS && !forced);
        if (n.kind == Node.Kind.MULTIPART) {
            if (n.boundary != null) {
                active.add(n);
            }
        } else if (n.kind == Node.Kind.MESSAGE) {
            Node m = new Node(n, true, bodyStart);
            m.bodyStartLf = lf;
            n.message = m;
            parts++;
            cur = m;
        }
    }

    /** Ends {@code n} at offset {@code e} ({@code lfE} LFs before it). */
    private void finish(Node n, long e, long lfE) {
        if (n.inHeader()) {
            long hs = n.headerStart;
            // the header's last line break belongs to the delimiter, if it can
            n.bodyStart = Math.max(e, hs);
            n.bodyStartLf = e >= hs ? lfE : n.bodyStartLf;
            n.currentField = null;
            n.classify(false);
        }
        n.bodyEnd = Math.max(e, n.bodyStart);
        n.lines = n.bodyEnd == n.bodyStart ? 0 : Math.max(0, lfE - n.bodyStartLf);
    }
}
