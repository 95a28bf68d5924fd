package org.postern.protocol;

import java.nio.charset.StandardCharsets;

/**
 * One line as {@link LineFilter} decoded it: the bytes without the terminator, how it was
 * terminated, whether it was cut because it was too long, and whether it arrived over TLS.
 */
public final class Line {
    private final byte[] bytes;
    private final boolean crlf;
    private final boolean tooLong;
    private final boolean secure;

    public Line(byte[] bytes, boolean crlf, boolean tooLong, boolean secure) {
        this.bytes = bytes;
        this.crlf = crlf;
        this.tooLong = tooLong;
        this.secure = secure;
    }

    /** The line without its terminator; for a too-long line only its first bytes. */
    public byte[] bytes() {
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    /** True when the line ended with CR LF; false for a bare LF. */
    public boolean crlf() {
        return crlf;
    }

    /** True when the line exceeded the limit; its excess was discarded, not buffered. */
    public boolean tooLong() {
        return tooLong;
    }

    /** True when the line was decrypted by TLS (it arrived after the handshake started). */
    public boolean secure() {
        return secure;
    }

    /** True when the line contains a NUL byte. */
    public boolean hasNul() {
        for (byte b : bytes) {
            if (b == 0) {
                return true;
            }
        }
        return false;
    }

    /** The line decoded as UTF-8 (malformed input replaced). */
    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return text() + (crlf ? "" : " [bare LF]") + (tooLong ? " [too long]" : "");
    }
}
