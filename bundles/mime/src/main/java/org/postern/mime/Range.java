package org.postern.mime;

/**
 * Octets {@code [start, end)} of the raw message: what a FETCH of one section streams from the
 * blob, as stored (no CRLF conversion).
 */
public record Range(long start, long end) {
    public Range {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad range " + start + ".." + end);
        }
    }

    public long length() {
        return end - start;
    }
}
