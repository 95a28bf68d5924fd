package org.postern.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.util.Base64;

/**
 * RFC 2047 encoded words in header text ({@code =?UTF-8?Q?Caf=C3=A9?=}) decoded to the text a
 * reader sees: what IMAP SEARCH compares with, and what the webmail will show. Scanned by hand,
 * never with a pattern (header text is the sender's), in one pass.
 *
 * <p>Adjacent encoded words (separated only by white space) are joined without that space, and
 * their octets decoded together when they share a charset, since senders split multi-octet
 * characters across words. A word that is malformed, names an unknown charset or does not decode
 * in it stays as written. Octets that are not valid in the named charset become U+FFFD.
 */
public final class EncodedWords {
    /** Longer charset names are not a charset (the longest registered ones are about 45). */
    private static final int MAX_CHARSET = 64;
    /** Words decoded per value; the rest stays as written (a header may hold 30,000). */
    static final int MAX_WORDS = 1000;

    private EncodedWords() {
    }

    /** The text with its encoded words decoded; the same instance when it has none. */
    public static String decode(String text) {
        if (text.indexOf("=?") < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        Charset pendingCharset = null;
        int i = 0;
        int n = text.length();
        int words = 0;
        while (i < n && words < MAX_WORDS) {
            int start = text.indexOf("=?", i);
            if (start < 0) {
                break;
            }
            Word w = parse(text, start);
            if (w == null) {
                pendingCharset = flush(out, pending, pendingCharset);
                out.append(text, i, start + 2);
                i = start + 2;
                continue;
            }
            boolean adjacent = pendingCharset != null && blank(text, i, start);
            if (!adjacent) {
                pendingCharset = flush(out, pending, pendingCharset);
                out.append(text, i, start);
            } else if (!pendingCharset.equals(w.charset)) {
                pendingCharset = flush(out, pending, pendingCharset);
            }
            pending.writeBytes(w.octets);
            pendingCharset = w.charset;
            i = w.end;
            words++;
        }
        flush(out, pending, pendingCharset);
        out.append(text, i, n);
        return out.toString();
    }

    private record Word(Charset charset, byte[] octets, int end) {
    }

    private static Charset flush(StringBuilder out, ByteArrayOutputStream pending, Charset charset) {
        if (charset != null) {
            // new String replaces what does not decode (U+FFFD); it never throws.
            out.append(new String(pending.toByteArray(), charset));
            pending.reset();
        }
        return null;
    }

    private static boolean blank(String s, int from, int to) {
        for (int k = from; k < to; k++) {
            char c = s.charAt(k);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return false;
            }
        }
        return true;
    }

    /** The encoded word at {@code start} ("=?"), or null when there is none. */
    private static Word parse(String s, int start) {
        int n = s.length();
        int k = start + 2;
        int charsetStart = k;
        while (k < n && k - charsetStart <= MAX_CHARSET && tokenChar(s.charAt(k))) {
            k++;
        }
        if (k >= n || s.charAt(k) != '?' || k == charsetStart || k - charsetStart > MAX_CHARSET) {
            return null;
        }
        String name = s.substring(charsetStart, k);
        int star = name.indexOf('*'); // RFC 2231 language: =?UTF-8*en?Q?...?=
        if (star == 0) {
            return null;
        }
        if (star > 0) {
            name = name.substring(0, star);
        }
        if (k + 2 >= n || s.charAt(k + 2) != '?') {
            return null;
        }
        char encoding = Character.toUpperCase(s.charAt(k + 1));
        if (encoding != 'B' && encoding != 'Q') {
            return null;
        }
        int textStart = k + 3;
        int end = textStart;
        // Encoded text holds no '?' and no white space: the scan stops at the first, so a run of
        // unterminated words is read once, not once per "=?".
        while (end < n && s.charAt(end) != '?' && s.charAt(end) > ' ' && s.charAt(end) < 127) {
            end++;
        }
        if (end + 1 >= n || s.charAt(end) != '?' || s.charAt(end + 1) != '=') {
            return null;
        }
        Charset charset = CharsetNames.lookup(name);
        if (charset == null) {
            return null;
        }
        String encoded = s.substring(textStart, end);
        byte[] octets = encoding == 'B' ? base64(encoded) : quoted(encoded);
        return octets == null ? null : new Word(charset, octets, end + 2);
    }

    private static boolean tokenChar(char c) {
        // RFC 2047 token: no specials, no white space, no controls; '*' for a language suffix.
        return c > ' ' && c < 127 && "()<>@,;:\"/[]?.=".indexOf(c) < 0;
    }

    private static byte[] base64(String text) {
        String t = text;
        int rest = t.length() % 4;
        if (rest == 1) {
            return null;
        }
        if (rest > 0) {
            t = t + "==".substring(0, 4 - rest); // senders often leave the padding out
        }
        try {
            return Base64.getDecoder().decode(t);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] quoted(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c == '_') {
                out.write(' ');
            } else if (c == '=') {
                if (k + 2 >= text.length()) {
                    return null;
                }
                int hi = Character.digit(text.charAt(k + 1), 16);
                int lo = Character.digit(text.charAt(k + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi << 4 | lo);
                k += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }
}
