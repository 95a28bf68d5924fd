package org.postern.protocol.sasl;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * SASL PLAIN (RFC 4616): {@code [authzid] NUL authcid NUL passwd}, base64 in POP3 AUTH (RFC 5034),
 * SMTP AUTH (RFC 4954) and IMAP AUTHENTICATE.
 * An authorization identity other than the authentication identity (acting as someone else) is
 * refused. Decoded bytes are zeroed once parsed.
 */
public final class SaslPlain {
    /** The credentials a PLAIN response carried; the caller clears {@code secret}. */
    public record Credentials(String username, char[] secret) {
    }

    /** The response could not be understood (bad base64, wrong shape, not UTF-8). */
    public static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** Thrown for a well-formed response asking to act as another identity. */
    public static final class ForeignAuthzid extends Exception {
        private static final long serialVersionUID = 1L;

        ForeignAuthzid() {
            super(null, null, false, false);
        }
    }

    private SaslPlain() {
    }

    public static Credentials decode(byte[] base64) throws Malformed, ForeignAuthzid {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new Malformed("not base64");
        }
        try {
            int first = indexOf(raw, 0);
            int second = first < 0 ? -1 : indexOf(raw, first + 1);
            if (first < 0 || second < 0 || indexOf(raw, second + 1) >= 0) {
                throw new Malformed("not [authzid] NUL authcid NUL passwd");
            }
            String authzid = utf8(raw, 0, first).toString();
            String authcid = utf8(raw, first + 1, second).toString();
            CharBuffer secret = utf8(raw, second + 1, raw.length);
            char[] chars = new char[secret.remaining()];
            secret.get(chars);
            Arrays.fill(secret.array(), '\0');
            if (authcid.isEmpty() || chars.length == 0) {
                Arrays.fill(chars, '\0');
                throw new Malformed("empty user name or password");
            }
            if (!authzid.isEmpty() && !authzid.equals(authcid)) {
                Arrays.fill(chars, '\0');
                throw new ForeignAuthzid();
            }
            return new Credentials(authcid, chars);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static CharBuffer utf8(byte[] b, int from, int to) throws Malformed {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, to - from));
        } catch (CharacterCodingException e) {
            throw new Malformed("not UTF-8");
        }
    }
}
