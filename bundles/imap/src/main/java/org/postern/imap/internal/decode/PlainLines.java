package org.postern.imap.internal.decode;

import java.nio.charset.StandardCharsets;

/**
 * The lines a client sends that are not commands, framed after {@link ImapFramer#expectLine()}:
 * the {@code DONE} ending IDLE (RFC 2177) and SASL responses during AUTHENTICATE (RFC 3501 6.2.2).
 */
public final class PlainLines {
    /** Longest SASL response line accepted (base64 of a 6 KiB response). */
    public static final int MAX_SASL_LINE = 8192;

    private PlainLines() {
    }

    /** Whether the line is {@code DONE} (any case). */
    public static boolean isDone(FramedRequest line) {
        return line.lineCount() == 1 && "DONE".equalsIgnoreCase(new String(line.rawLine(0), StandardCharsets.US_ASCII));
    }

    /** A SASL response line: {@code *} cancels, otherwise base64 (an empty line is an empty response). */
    public record SaslResponse(boolean cancelled, byte[] data) {
        public SaslResponse {
            data = data == null ? null : data.clone();
        }

        @Override
        public byte[] data() {
            return data == null ? null : data.clone();
        }
    }

    /**
     * Decodes a SASL response line. A malformed one is an {@link ImapDecodeException} (tag
     * {@code authTag}); RFC 3501 says to answer it {@code tag BAD} and end the exchange.
     */
    public static SaslResponse saslResponse(FramedRequest line, String authTag) throws ImapDecodeException {
        byte[] b = line.rawLine(0);
        if (line.lineCount() != 1 || b.length > MAX_SASL_LINE) {
            throw new ImapDecodeException(authTag, "Invalid SASL response");
        }
        String s = new String(b, StandardCharsets.US_ASCII);
        if (s.equals("*")) {
            return new SaslResponse(true, null);
        }
        if (s.isEmpty()) {
            return new SaslResponse(false, new byte[0]);
        }
        for (int i = 0; i < b.length; i++) {
            int c = b[i];
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=')) {
                throw new ImapDecodeException(authTag, "Invalid base64 in SASL response");
            }
        }
        if (s.length() % 4 != 0) {
            throw new ImapDecodeException(authTag, "Invalid base64 in SASL response");
        }
        try {
            return new SaslResponse(false, java.util.Base64.getDecoder().decode(s));
        } catch (IllegalArgumentException e) {
            throw new ImapDecodeException(authTag, "Invalid base64 in SASL response");
        }
    }
}
