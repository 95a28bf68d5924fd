package org.postern.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The stored form of a {@link MessageStructure}, version {@value MessageStructure#FORMAT_VERSION}.
 * Every number is an unsigned LEB128 varint (7 bits per octet, low group first, high bit set on
 * every octet but the last; at most 9 octets, never negative):
 *
 * <pre>
 * u8      version            1
 * varint  size               the message's octets
 * text    envelope           varint length + octets (one char per octet, ISO-8859-1)
 * text    bodystructure
 * text    body
 * part    the message        in pre-order:
 *   u8      kind             0 leaf, 1 multipart, 2 message/rfc822
 *   varint  headerStart
 *   varint  bodyStart - headerStart
 *   varint  bodyEnd - bodyStart
 *   varint  lines
 *   name    type             varint k: 0 = a new name follows as text and joins the table;
 *   name    subtype                    k &gt; 0 = the k-th name in the table (1-based)
 *   multipart: varint n, then its n parts
 *   message:   the embedded message's part
 * </pre>
 *
 * Reading checks everything: the version, that every range lies inside the message, at most
 * {@value StructureParser#MAX_PARTS} parts and {@value StructureParser#MAX_DEPTH} + 2 levels (the
 * parser never makes more), no octet left over. Anything else is an
 * {@link IllegalArgumentException}, never a wrong answer or a deep recursion.
 */
final class StoredForm {
    static final int LEAF = 0;
    static final int MULTIPART = 1;
    static final int MESSAGE = 2;
    /** Levels of parts the parser can make: {@value StructureParser#MAX_DEPTH} nesting levels and the leaf below. */
    static final int MAX_LEVELS = StructureParser.MAX_DEPTH + 2;

    private StoredForm() {
    }

    // ---- writing ----

    static byte[] write(MessageStructure s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(
                64 + s.envelope().length() + s.bodyStructure().length() + s.body().length());
        out.write(MessageStructure.FORMAT_VERSION);
        varint(out, s.size());
        text(out, s.envelope());
        text(out, s.bodyStructure());
        text(out, s.body());
        part(out, s.root(), new HashMap<>());
        return out.toByteArray();
    }

    private static void part(ByteArrayOutputStream out, MessageStructure.Shape n, Map<String, Integer> names) {
        out.write(switch (n.kind) {
            case LEAF -> LEAF;
            case MULTIPART -> MULTIPART;
            case MESSAGE -> MESSAGE;
        });
        varint(out, n.headerStart);
        varint(out, n.bodyStart - n.headerStart);
        varint(out, n.bodyEnd - n.bodyStart);
        varint(out, n.lines);
        name(out, n.type, names);
        name(out, n.subtype, names);
        if (n.kind == Node.Kind.MULTIPART) {
            varint(out, n.children.length);
            for (MessageStructure.Shape c : n.children) {
                part(out, c, names);
            }
        } else if (n.kind == Node.Kind.MESSAGE) {
            part(out, n.message, names);
        }
    }

    private static void name(ByteArrayOutputStream out, String name, Map<String, Integer> names) {
        String v = name == null ? "" : name;
        Integer k = names.get(v);
        if (k != null) {
            varint(out, k);
            return;
        }
        varint(out, 0);
        text(out, v);
        names.put(v, names.size() + 1);
    }

    private static void text(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        varint(out, b.length);
        out.write(b, 0, b.length);
    }

    static void varint(ByteArrayOutputStream out, long v) {
        if (v < 0) {
            throw new IllegalStateException("negative value in a message structure: " + v);
        }
        while (v >= 0x80) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    // ---- reading ----

    static MessageStructure read(byte[] stored) {
        if (stored == null || stored.length == 0) {
            throw new IllegalArgumentException("no stored message structure");
        }
        if ((stored[0] & 0xff) != MessageStructure.FORMAT_VERSION) {
            throw new IllegalArgumentException("stored message structure of format " + (stored[0] & 0xff)
                    + ", this reader knows " + MessageStructure.FORMAT_VERSION);
        }
        Reader r = new Reader(stored);
        r.pos = 1;
        long size = r.varint();
        String envelope = r.text();
        String bodyStructure = r.text();
        String body = r.text();
        MessageStructure.Shape root = r.part(size, 1);
        if (r.pos != stored.length) {
            throw new IllegalArgumentException("stored message structure: " + (stored.length - r.pos)
                    + " octets left over");
        }
        return MessageStructure.of(root, size, envelope, bodyStructure, body);
    }

    private static final class Reader {
        private final byte[] b;
        private final List<String> names = new ArrayList<>();
        private int pos;
        private int parts;

        Reader(byte[] b) {
            this.b = b;
        }

        private IllegalArgumentException bad(String what) {
            return new IllegalArgumentException("stored message structure: " + what + " at octet " + pos);
        }

        int u8() {
            if (pos >= b.length) {
                throw bad("truncated");
            }
            return b[pos++] & 0xff;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 63; shift += 7) {
                int x = u8();
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) {
                    if (v < 0) {
                        throw bad("number out of range");
                    }
                    return v;
                }
            }
            throw bad("number too long");
        }

        String text() {
            long n = varint();
            if (n > b.length - pos) {
                throw bad("text longer than what is left");
            }
            String s = new String(b, pos, (int) n, StandardCharsets.ISO_8859_1);
            pos += (int) n;
            return s;
        }

        String name() {
            long k = varint();
            if (k == 0) {
                String s = text();
                names.add(s);
                return s;
            }
            if (k > names.size()) {
                throw bad("unknown name reference");
            }
            return names.get((int) k - 1);
        }

        MessageStructure.Shape part(long size, int level) {
            if (level > MAX_LEVELS) {
                throw bad("parts nested deeper than the parser makes them");
            }
            if (++parts > StructureParser.MAX_PARTS) {
                throw bad("more parts than the parser makes");
            }
            int kind = u8();
            long headerStart = varint();
            long bodyStart = add(headerStart, varint());
            long bodyEnd = add(bodyStart, varint());
            long lines = varint();
            if (bodyEnd > size) {
                throw bad("a part ends past the message");
            }
            String type = name();
            String subtype = name();
            switch (kind) {
                case LEAF:
                    return new MessageStructure.Shape(Node.Kind.LEAF, headerStart, bodyStart, bodyEnd, lines, type,
                            subtype, MessageStructure.Shape.NONE, null);
                case MULTIPART: {
                    long n = varint();
                    if (n > StructureParser.MAX_PARTS) {
                        throw bad("more parts than the parser makes");
                    }
                    MessageStructure.Shape[] children = n == 0 ? MessageStructure.Shape.NONE
                            : new MessageStructure.Shape[(int) n];
                    for (int i = 0; i < children.length; i++) {
                        children[i] = part(size, level + 1);
                    }
                    return new MessageStructure.Shape(Node.Kind.MULTIPART, headerStart, bodyStart, bodyEnd, lines, type,
                            subtype, children, null);
                }
                case MESSAGE: {
                    MessageStructure.Shape m = part(size, level + 1);
                    return new MessageStructure.Shape(Node.Kind.MESSAGE, headerStart, bodyStart, bodyEnd, lines, type,
                            subtype, MessageStructure.Shape.NONE, m);
                }
                default:
                    throw bad("unknown part kind " + kind);
            }
        }

        private long add(long a, long b) {
            long s = a + b;
            if (s < a) {
                throw bad("offset out of range");
            }
            return s;
        }
    }
}
