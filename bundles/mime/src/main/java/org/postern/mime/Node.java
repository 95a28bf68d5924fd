package org.postern.mime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One part while parsing (mutable, package-private); frozen into strings and ranges at the end. */
final class Node {
    enum Kind { LEAF, MULTIPART, MESSAGE }

    final Node parent;
    final int depth;
    /** The message itself or a message embedded in a message/rfc822 part: has an envelope. */
    final boolean isMessage;
    final boolean inDigest;

    long headerStart;
    long bodyStart = -1;
    long bodyEnd = -1;
    long bodyStartLf;
    long lines;

    /** Kept header fields, lower-case name to unfolded value (one char per octet). */
    Map<String, StringBuilder> fields = new HashMap<>();
    StringBuilder currentField;

    Kind kind = Kind.LEAF;
    String type;
    String subtype;
    List<MimeValues.Param> params = List.of();
    boolean text;
    boolean demoted;
    byte[] boundary;
    boolean closed;
    final List<Node> children = new ArrayList<>(0);
    Node message;

    Node(Node parent, boolean isMessage, long headerStart) {
        this.parent = parent;
        this.depth = parent == null ? 0 : parent.depth + 1;
        this.isMessage = isMessage;
        this.headerStart = headerStart;
        this.inDigest = parent != null && parent.kind == Kind.MULTIPART
                && "digest".equalsIgnoreCase(parent.subtype);
    }

    boolean inHeader() {
        return bodyStart < 0;
    }

    String field(String name) {
        StringBuilder b = fields.get(name);
        return b == null ? null : b.toString();
    }

    /** Field value for output: leading and trailing whitespace removed; null when absent. */
    String trimmedField(String name) {
        String v = field(name);
        return v == null ? null : v.strip();
    }

    /** Decides type, subtype, parameters and kind from the header; called once at its end. */
    void classify(boolean mayNest) {
        MimeValues.ContentType ct = null;
        String v = field("content-type");
        if (v != null) {
            ct = MimeValues.contentType(v);
        }
        if (ct == null) {
            type = inDigest ? "message" : "text";
            subtype = inDigest ? "rfc822" : "plain";
        } else {
            type = ct.type();
            subtype = ct.subtype();
            params = ct.params();
        }
        String t = type.toLowerCase(Locale.ROOT);
        String s = subtype.toLowerCase(Locale.ROOT);
        if (t.equals("multipart")) {
            String b = null;
            for (MimeValues.Param p : params) {
                if (p.name().equalsIgnoreCase("boundary")) {
                    b = p.value();
                    break;
                }
            }
            if (!mayNest) {
                demoted = true;
            } else {
                // without a usable boundary it has no parts: its body is all preamble
                kind = Kind.MULTIPART;
                if (b != null && !b.isEmpty() && b.length() <= StructureParser.MAX_BOUNDARY) {
                    boundary = b.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                }
            }
        } else if (t.equals("message") && s.equals("rfc822")) {
            if (mayNest) {
                kind = Kind.MESSAGE;
            } else {
                demoted = true;
            }
        }
        text = !demoted && t.equals("text");
    }
}
