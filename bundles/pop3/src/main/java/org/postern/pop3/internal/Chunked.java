package org.postern.pop3.internal;

import java.io.Closeable;
import java.io.IOException;

/**
 * A multi-line response body produced a chunk at a time, as the socket takes it (RETR and TOP:
 * {@link BodyStream}; LIST and UIDL: {@link Listing}), so that no response, and no run of
 * pipelined responses, sits whole in memory for a client that does not read.
 */
interface Chunked extends Closeable {
    /**
     * Up to about {@code max} octets of the response, or null once everything, the terminating
     * {@code .CRLF} included, has been returned.
     */
    byte[] next(int max) throws IOException;
}
