package org.postern.imap.internal.decode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Mailbox names in modified UTF-7 (RFC 3501 5.1.3). Decoding is strict and accepts only the
 * canonical form, so that one name has one spelling: a name that decodes is the same name
 * whichever client sent it.
 */
public final class ModifiedUtf7 {
    private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();

    private ModifiedUtf7() {
    }

    /**
     * Decodes {@code name}. Refused (IllegalArgumentException with a short message): octets outside
     * printable US-ASCII, an "&" without its "-", a character outside modified BASE64, BASE64 that
     * encodes printable US-ASCII, leftover or non-zero padding bits (non-canonical), an unpaired
     * surrogate, and two encoded runs side by side (one run would do).
     */
    public static String decode(String name) {
        StringBuilder out = new StringBuilder(name.length());
        int n = name.length();
        int i = 0;
        int runEnd = -1;
        while (i < n) {
            char c = name.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("Mailbox name is not 7-bit (modified UTF-7 expected)");
            }
            if (c != '&') {
                out.append(c);
                i++;
                continue;
            }
            int j = name.indexOf('-', i + 1);
            if (j < 0) {
                throw new IllegalArgumentException("Unterminated & in mailbox name");
            }
            if (j == i + 1) {
                out.append('&');
                i = j + 1;
                continue;
            }
            if (runEnd == i) {
                throw new IllegalArgumentException("Non-canonical modified UTF-7 (adjacent encoded runs)");
            }
            decodeRun(name, i + 1, j, out);
            i = j + 1;
            runEnd = i;
        }
        return out.toString();
    }

    private static void decodeRun(String s, int from, int to, StringBuilder out) {
        int buf = 0;
        int bits = 0;
        int units = 0;
        char pendingHigh = 0;
        for (int k = from; k < to; k++) {
            int v = value(s.charAt(k));
            if (v < 0) {
                throw new IllegalArgumentException("Invalid character in modified UTF-7 mailbox name");
            }
            buf = (buf << 6 | v) & 0xffffff;
            bits += 6;
            if (bits >= 16) {
                bits -= 16;
                char u = (char) (buf >> bits & 0xffff);
                units++;
                if (u >= 0x20 && u <= 0x7e) {
                    throw new IllegalArgumentException("Modified UTF-7 encodes printable ASCII in mailbox name");
                }
                if (Character.isHighSurrogate(u)) {
                    if (pendingHigh != 0) {
                        throw new IllegalArgumentException("Unpaired surrogate in mailbox name");
                    }
                    pendingHigh = u;
                } else if (Character.isLowSurrogate(u)) {
                    if (pendingHigh == 0) {
                        throw new IllegalArgumentException("Unpaired surrogate in mailbox name");
                    }
                    out.append(pendingHigh).append(u);
                    pendingHigh = 0;
                } else {
                    if (pendingHigh != 0) {
                        throw new IllegalArgumentException("Unpaired surrogate in mailbox name");
                    }
                    out.append(u);
                }
            }
        }
        if (pendingHigh != 0) {
            throw new IllegalArgumentException("Unpaired surrogate in mailbox name");
        }
        if (units == 0 || bits >= 6 || (buf & ((1 << bits) - 1)) != 0) {
            throw new IllegalArgumentException("Non-canonical modified UTF-7 in mailbox name");
        }
    }

    private static int value(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        if (c == '+') {
            return 62;
        }
        if (c == ',') {
            return 63;
        }
        return -1;
    }

    /** Encodes {@code name} in canonical modified UTF-7. */
    public static String encode(String name) {
        StringBuilder out = new StringBuilder(name.length() + 8);
        int n = name.length();
        int i = 0;
        while (i < n) {
            char c = name.charAt(i);
            if (c >= 0x20 && c <= 0x7e) {
                out.append(c == '&' ? "&-" : String.valueOf(c));
                i++;
                continue;
            }
            int j = i;
            while (j < n && (name.charAt(j) < 0x20 || name.charAt(j) > 0x7e)) {
                j++;
            }
            byte[] utf16 = name.substring(i, j).getBytes(StandardCharsets.UTF_16BE);
            out.append('&').append(ENCODER.encodeToString(utf16).replace('/', ',')).append('-');
            i = j;
        }
        return out.toString();
    }
}
