package org.postern.protocol;

import java.util.Arrays;

/**
 * Received bytes as they came, for protocols that frame input themselves (IMAP's literals), with
 * whether they arrived under TLS: decided on the I/O thread when they were read, so that bytes a
 * client sent in clear text before STARTTLS took effect can never pass for protected ones.
 */
public final class Chunk {
    private final byte[] bytes;
    private final boolean secure;

    public Chunk(byte[] bytes, boolean secure) {
        this.bytes = bytes;
        this.secure = secure;
    }

    public byte[] bytes() {
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    public boolean secure() {
        return secure;
    }

    @Override
    public String toString() {
        return "Chunk[" + bytes.length + " octets" + (secure ? ", TLS" : "") + "]";
    }

    /** A copy (tests). */
    byte[] copy() {
        return Arrays.copyOf(bytes, bytes.length);
    }
}
