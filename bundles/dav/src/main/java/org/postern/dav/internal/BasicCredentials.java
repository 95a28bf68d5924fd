package org.postern.dav.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * HTTP Basic (RFC 7617) credentials, decoded as UTF-8 (the charset the challenge announces). The
 * secret is a char array the caller clears; the decoded bytes are cleared here.
 */
final class BasicCredentials {
    /** Longest Authorization header value looked at: an address and an app or account password fit easily. */
    static final int MAX_HEADER = 2048;

    final String username;
    final char[] secret;

    private BasicCredentials(String username, char[] secret) {
        this.username = username;
        this.secret = secret;
    }

    static Optional<BasicCredentials> parse(String header) {
        if (header == null || header.length() > MAX_HEADER || header.length() < 6
                || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(header.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        char[] chars = null;
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw));
            chars = new char[cb.remaining()];
            cb.get(chars);
            Arrays.fill(cb.array(), '\0');
            int colon = -1;
            for (int i = 0; i < chars.length; i++) {
                if (chars[i] == ':') {
                    colon = i;
                    break;
                }
            }
            if (colon <= 0) {
                return Optional.empty();
            }
            String user = new String(chars, 0, colon);
            char[] secret = Arrays.copyOfRange(chars, colon + 1, chars.length);
            return Optional.of(new BasicCredentials(user, secret));
        } catch (CharacterCodingException e) {
            return Optional.empty();
        } finally {
            Arrays.fill(raw, (byte) 0);
            if (chars != null) {
                Arrays.fill(chars, '\0');
            }
        }
    }

    void clear() {
        Arrays.fill(secret, '\0');
    }
}
