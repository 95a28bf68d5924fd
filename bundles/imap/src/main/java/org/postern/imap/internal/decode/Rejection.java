package org.postern.imap.internal.decode;

import java.nio.charset.StandardCharsets;

/**
 * A response the decoder decided on by itself: a tagged (or, without a readable tag, untagged)
 * {@code BAD} or {@code NO}, or the {@code BYE} before the connection is closed.
 *
 * @param tag    the command's tag, null when none could be read (then the line is untagged)
 * @param status BAD, NO or BYE
 * @param code   a response code without brackets ({@code TOOBIG}, {@code BADCHARSET (UTF-8 US-ASCII)}), or null
 * @param text   short human text, printable ASCII
 */
public record Rejection(String tag, Status status, String code, String text) {
    public enum Status { NO, BAD, BYE }

    public static Rejection bad(String tag, String text) {
        return new Rejection(tag, Status.BAD, null, text);
    }

    /** The response line, CR LF included. */
    public String line() {
        StringBuilder b = new StringBuilder();
        b.append(tag == null || status == Status.BYE ? "*" : tag).append(' ').append(status).append(' ');
        if (code != null) {
            b.append('[').append(code).append("] ");
        }
        return b.append(text).append("\r\n").toString();
    }

    public byte[] bytes() {
        return line().getBytes(StandardCharsets.US_ASCII);
    }
}
