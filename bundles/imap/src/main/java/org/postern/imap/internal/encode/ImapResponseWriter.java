package org.postern.imap.internal.encode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.postern.imap.internal.decode.ImapChars;
import org.postern.imap.internal.decode.ModifiedUtf7;

/**
 * Builds response lines octet by octet, choosing the right form for each value: atom, quoted
 * string or literal ({@link #string}), astring, nstring, mailbox names in modified UTF-7. Tokens
 * are written in the order called; spaces are explicit ({@link #sp()}), as in the RFC's grammar.
 *
 * <p>It holds what was written until {@link #toByteArray()} / {@link #writeTo(OutputStream)} and
 * {@link #reset()}: meant for one response or a few lines at a time. A large body is not written
 * through it: write {@link #literalHeader(long)}, flush, stream the octets, then go on.
 */
public final class ImapResponseWriter {
    /** Longer strings are sent as literals even when they could be quoted. */
    public static final int MAX_QUOTED = 1024;

    private static final byte[] CRLF = {'\r', '\n'};

    private byte[] buf = new byte[256];
    private int len;

    // ---- whole lines ----

    /** {@code + text CRLF}: a continuation request. */
    public ImapResponseWriter continuation(String text) {
        raw('+').sp();
        return text(text).end();
    }

    /** {@code tag|* STATUS [code] text CRLF}; {@code tag} null for untagged; {@code code} without brackets or null. */
    public ImapResponseWriter status(String tag, String status, String code, String text) {
        if (tag == null) {
            untagged();
        } else {
            tagged(tag);
        }
        atom(status).sp();
        if (code != null) {
            raw('[').text(code).raw(']').sp();
        }
        return text(text).end();
    }

    // ---- line starts and ends ----

    /** {@code "* "}. */
    public ImapResponseWriter untagged() {
        return raw('*').sp();
    }

    /** {@code tag + " "}; the tag is the client's, checked again. */
    public ImapResponseWriter tagged(String tag) {
        if (tag.isEmpty()) {
            throw new IllegalArgumentException("empty tag");
        }
        for (int i = 0; i < tag.length(); i++) {
            if (!ImapChars.isTagChar(tag.charAt(i))) {
                throw new IllegalArgumentException("invalid tag");
            }
        }
        ascii(tag);
        return sp();
    }

    /** CR LF. */
    public ImapResponseWriter end() {
        return bytes(CRLF, 0, 2);
    }

    // ---- tokens ----

    public ImapResponseWriter sp() {
        return raw(' ');
    }

    public ImapResponseWriter open() {
        return raw('(');
    }

    public ImapResponseWriter close() {
        return raw(')');
    }

    /** Any single octet of the grammar ({@code [}, {@code ]}, {@code <}...). */
    public ImapResponseWriter raw(char c) {
        ensure(1);
        buf[len++] = (byte) c;
        return this;
    }

    /**
     * An atom, or any token made of atom characters plus the few the grammar puts in keywords and
     * flags ({@code \Seen}, {@code BODY[1.2]}, {@code RFC822.SIZE}); nothing that could break the line.
     */
    public ImapResponseWriter atom(String atom) {
        for (int i = 0; i < atom.length(); i++) {
            char c = atom.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new IllegalArgumentException("not an atom");
            }
        }
        return ascii(atom);
    }

    /** Human-readable text (resp-text): printable US-ASCII; anything else becomes "?". */
    public ImapResponseWriter text(String text) {
        ensure(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            buf[len++] = (byte) (c >= 0x20 && c < 0x7f ? c : '?');
        }
        return this;
    }

    public ImapResponseWriter number(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative number");
        }
        return ascii(Long.toString(n));
    }

    public ImapResponseWriter nil() {
        return ascii("NIL");
    }

    /** A string: quoted when it is short 7-bit text without CR, LF or NUL, a literal otherwise. */
    public ImapResponseWriter string(String s) {
        return string(s.getBytes(StandardCharsets.UTF_8));
    }

    public ImapResponseWriter string(byte[] b) {
        if (quotable(b)) {
            ensure(b.length * 2 + 2);
            buf[len++] = '"';
            for (byte c : b) {
                if (c == '"' || c == '\\') {
                    buf[len++] = '\\';
                }
                buf[len++] = c;
            }
            buf[len++] = '"';
            return this;
        }
        return literal(b);
    }

    /** nstring: NIL for null. */
    public ImapResponseWriter nstring(String s) {
        return s == null ? nil() : string(s);
    }

    /** astring: an atom when it is one (and not NIL), a string otherwise. */
    public ImapResponseWriter astring(String s) {
        if (!s.isEmpty() && !s.equalsIgnoreCase("NIL")) {
            boolean atom = true;
            for (int i = 0; i < s.length() && atom; i++) {
                atom = ImapChars.isAstringChar(s.charAt(i));
            }
            if (atom) {
                return ascii(s);
            }
        }
        return string(s);
    }

    /** A mailbox name: modified UTF-7, then as an astring. */
    public ImapResponseWriter mailbox(String name) {
        return astring(ModifiedUtf7.encode(name));
    }

    /** A literal with its octets. */
    public ImapResponseWriter literal(byte[] b) {
        literalHeader(b.length);
        return bytes(b, 0, b.length);
    }

    /** {@code {size} CRLF}: the caller streams exactly {@code size} octets next. */
    public ImapResponseWriter literalHeader(long size) {
        raw('{').number(size).raw('}');
        return end();
    }

    /** A flag list: {@code (\Seen $Forwarded)}. */
    public ImapResponseWriter flags(Iterable<String> flags) {
        open();
        boolean first = true;
        for (String f : flags) {
            if (!first) {
                sp();
            }
            first = false;
            atom(f);
        }
        return close();
    }

    // ---- output ----

    public int size() {
        return len;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    public void writeTo(OutputStream out) throws IOException {
        out.write(buf, 0, len);
    }

    /** Forgets what was written (keeps a small buffer). */
    public ImapResponseWriter reset() {
        len = 0;
        if (buf.length > 64 * 1024) {
            buf = new byte[256];
        }
        return this;
    }

    @Override
    public String toString() {
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }

    private static boolean quotable(byte[] b) {
        if (b.length > MAX_QUOTED) {
            return false;
        }
        for (byte c : b) {
            if (c <= 0 || c == '\r' || c == '\n') {
                return false;
            }
        }
        return true;
    }

    private ImapResponseWriter ascii(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) {
            buf[len++] = (byte) s.charAt(i);
        }
        return this;
    }

    private ImapResponseWriter bytes(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    private void ensure(int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
    }
}
