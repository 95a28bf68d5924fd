package org.postern.mime;

import java.util.Optional;

/**
 * One section of a message as RFC 3501 §6.4.5 (RFC 9051 §6.4.5) addresses it: the octet ranges of
 * the raw message that {@code BODY[path]}, {@code BODY[path.MIME]}, {@code BODY[path.HEADER]} and
 * {@code BODY[path.TEXT]} return. Immutable.
 *
 * <p>For the empty path (the message itself): {@link #content()} is the whole message,
 * {@link #mime()} and {@link #header()} its header, {@link #text()} its body. For a part:
 * {@link #content()} is its body as encoded (for a multipart, preamble to epilogue; for a
 * message/rfc822 part, the whole embedded message), {@link #mime()} its MIME header (blank line
 * included when there is one), and {@link #header()} / {@link #text()} are present only when the
 * part is a message/rfc822 part (the embedded message's header and body), or the message itself.
 * {@code HEADER.FIELDS} is taken from {@link #header()} by the caller.
 */
public final class Part {
    private final int[] path;
    private final Range content;
    private final Range mime;
    private final Range header;
    private final Range text;
    private final String type;
    private final String subtype;
    private final long lines;

    Part(int[] path, Range content, Range mime, Range header, Range text, String type, String subtype, long lines) {
        this.path = path.clone();
        this.content = content;
        this.mime = mime;
        this.header = header;
        this.text = text;
        this.type = type;
        this.subtype = subtype;
        this.lines = lines;
    }

    /** The part numbers, empty for the message itself. A copy. */
    public int[] path() {
        return path.clone();
    }

    /** {@code BODY[path]} ({@code BODY[]} for the empty path). */
    public Range content() {
        return content;
    }

    /** {@code BODY[path.MIME]}; for the empty path, the message header. */
    public Range mime() {
        return mime;
    }

    /** {@code BODY[path.HEADER]}: present for the message itself and for message/rfc822 parts. */
    public Optional<Range> header() {
        return Optional.ofNullable(header);
    }

    /** {@code BODY[path.TEXT]}: present for the message itself and for message/rfc822 parts. */
    public Optional<Range> text() {
        return Optional.ofNullable(text);
    }

    /** Media type in lower case, as used for the structure ("text", "multipart", "message"...). */
    public String type() {
        return type;
    }

    /** Media subtype in lower case. */
    public String subtype() {
        return subtype;
    }

    /** LF count of {@link #content()}. */
    public long lines() {
        return lines;
    }
}
