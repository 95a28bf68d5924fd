package org.postern.submission.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The header of a submitted message, rewritten for privacy: fields that name the client, its
 * address or its software are dropped (the configured list, plus Received, Bcc and Return-Path
 * always), and the From addresses are collected for the sender check. Reads at most
 * {@link #MAX_HEADER} octets of header; the body streams through untouched.
 */
final class HeaderRewrite {
    static final int MAX_HEADER = 256 * 1024;
    // Resent-Bcc (RFC 5322 3.6.6) is a Bcc too: its blind recipients must not reach anyone.
    private static final Set<String> ALWAYS = Set.of("received", "bcc", "resent-bcc", "return-path");

    /** The kept header (blank line not included), what it lacked, and the rest of the message. */
    record Result(byte[] header, List<String> from, boolean hasDate, boolean hasMessageId, InputStream body) {
    }

    /** A message whose header does not end within {@link #MAX_HEADER} octets, or has no header at all. */
    static final class Malformed extends IOException {
        private static final long serialVersionUID = 1L;
        final boolean tooBig;

        Malformed(String why, boolean tooBig) {
            super(why);
            this.tooBig = tooBig;
        }
    }

    private HeaderRewrite() {
    }

    static Result rewrite(InputStream in, Set<String> strip) throws IOException {
        byte[] head = in.readNBytes(MAX_HEADER + 2);
        int end = headerEnd(head);
        if (end < 0) {
            throw new Malformed("no end of header within " + MAX_HEADER + " octets", head.length > MAX_HEADER);
        }
        for (int k = 0; k < end; k++) {
            // What the submission port's DataFraming refuses, refused here for the in-process
            // path too: a bare CR ends a line for many parsers (Python's email) but not for this
            // one, so "Subject: x<CR>From: bob@..." hid a second From from the sender check;
            // a bare LF blank line ended the header here but not at a strict receiver.
            byte c = head[k];
            if (c == 0 || (c == '\r' && (k + 1 >= end || head[k + 1] != '\n')) || (c == '\n' && (k == 0 || head[k - 1] != '\r'))) {
                throw new Malformed("a bare CR, a bare LF or a NUL in the header", false);
            }
        }
        ByteArrayOutputStream kept = new ByteArrayOutputStream(end);
        List<String> from = new ArrayList<>();
        boolean date = false;
        boolean messageId = false;
        int i = 0;
        int headerLength = end - blankLineLength(head, end);
        while (i < headerLength) {
            int fieldEnd = lineEnd(head, i, headerLength);
            while (fieldEnd < headerLength && (head[fieldEnd] == ' ' || head[fieldEnd] == '\t')) {
                fieldEnd = lineEnd(head, fieldEnd, headerLength);
            }
            String field = new String(head, i, fieldEnd - i, StandardCharsets.UTF_8);
            int colon = field.indexOf(':');
            String name = colon > 0 ? field.substring(0, colon).strip().toLowerCase(Locale.ROOT) : "";
            if (name.isEmpty()) {
                throw new Malformed("a header line without a field name", false);
            }
            if (!ALWAYS.contains(name) && !strip.contains(name)) {
                kept.write(head, i, fieldEnd - i);
                String value = field.substring(colon + 1).replace("\r", "").replace("\n", "");
                switch (name) {
                    // every field a reader shows as the author or the sender ("on behalf of"):
                    // a forged Sender or Resent-From is as misleading as a forged From
                    case "from", "sender", "resent-from", "resent-sender" -> from.addAll(addresses(value));
                    case "date" -> date = true;
                    case "message-id" -> messageId = true;
                    default -> { }
                }
            }
            i = fieldEnd;
        }
        InputStream body = new SequenceInputStream(new ByteArrayInputStream(head, headerLength, head.length - headerLength),
                in);
        return new Result(kept.toByteArray(), from, date, messageId, body);
    }

    /** Index after the blank line ending the header, or -1 when it is not in {@code b}. */
    private static int headerEnd(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            boolean lineStart = i == 0 || b[i - 1] == '\n';
            if (lineStart) {
                if (b[i] == '\n') {
                    return i == 0 ? -1 : i + 1;
                }
                if (b[i] == '\r' && i + 1 < b.length && b[i + 1] == '\n') {
                    return i == 0 ? -1 : i + 2;
                }
            }
        }
        return -1;
    }

    private static int blankLineLength(byte[] b, int end) {
        return end >= 2 && b[end - 2] == '\r' ? 2 : 1;
    }

    private static int lineEnd(byte[] b, int i, int limit) {
        while (i < limit && b[i] != '\n') {
            i++;
        }
        return Math.min(limit, i + 1);
    }

    /**
     * The addr-specs of an address list (RFC 5322 3.4): the part in angle brackets, or the bare
     * address; display names, comments, quoted strings and group names are skipped. Scanned by
     * hand, never with a pattern built from the text.
     */
    static List<String> addresses(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder bare = new StringBuilder();
        StringBuilder angle = null;
        String found = null;
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
                continue;
            }
            if (depth > 0) {
                if (c == '\\') {
                    i++;
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                }
                continue;
            }
            if (angle != null) {
                if (c == '>') {
                    found = angle.toString().strip();
                    angle = null;
                } else {
                    angle.append(c);
                }
                continue;
            }
            switch (c) {
                case '"' -> {
                    quoted = true;
                    bare.setLength(0);
                }
                case '(' -> depth++;
                case '<' -> angle = new StringBuilder();
                case ':' -> {
                    // a group's name; one holding '@' is read as an address by lenient parsers
                    // (Python's email: "bob@x: alice@y;" is from bob), so it is checked too
                    if (bare.indexOf("@") >= 0) {
                        out.add(bare.toString().strip());
                    }
                    bare.setLength(0);
                }
                case ',', ';' -> {
                    add(out, found, bare);
                    found = null;
                    bare.setLength(0);
                }
                default -> {
                    if (c == ' ' || c == '\t') {
                        if (bare.length() > 0 && bare.indexOf("@") < 0) {
                            bare.setLength(0); // a display-name word
                        }
                    } else {
                        bare.append(c);
                    }
                }
            }
        }
        if (quoted || depth > 0 || angle != null) {
            // An unterminated quoted string, comment or angle-addr hid what follows it from this
            // scan, yet lenient parsers read "<bob@x" as bob@x: the whole value is returned as
            // one "address", which matches no account, so the From field is refused.
            out.add(value.strip());
            return out;
        }
        add(out, found, bare);
        return out;
    }

    private static void add(List<String> out, String found, StringBuilder bare) {
        String b = bare.toString().strip();
        if (found != null && b.indexOf('@') >= 0) {
            // "bob@x <alice@y>" or "<alice@y> bob@x": an unquoted '@' beside the angle-addr is
            // no display name (RFC 5322 makes '@' a special), and parsers disagree on which
            // address it is (Python's email policy takes bob@x): both must be the sender's.
            out.add(b);
        }
        String a = found != null ? found : b;
        if (!a.isEmpty()) {
            out.add(a);
        }
    }
}
