package org.postern.imap.internal.decode;

import org.postern.imap.internal.decode.Rejection.Status;

/**
 * The one way a request fails to decode: the session answers {@link #rejection()}'s line
 * ({@code tag BAD <message>}, or {@code tag NO [BADCHARSET ...]} for an unsupported SEARCH charset)
 * and reads the next command. The message is short, printable ASCII and never echoes more than a
 * few characters of client input.
 */
public final class ImapDecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String tag;
    private final Status status;
    private final String code;

    public ImapDecodeException(String tag, String message) {
        this(tag, Status.BAD, null, message);
    }

    public ImapDecodeException(String tag, Status status, String code, String message) {
        super(message, null, false, false);
        this.tag = tag;
        this.status = status;
        this.code = code;
    }

    /** The command's tag, null when none could be read (the answer is then {@code * BAD}). */
    public String tag() {
        return tag;
    }

    public Status status() {
        return status;
    }

    /** A response code without brackets, or null. */
    public String code() {
        return code;
    }

    public Rejection rejection() {
        return new Rejection(tag, status, code, getMessage());
    }
}
