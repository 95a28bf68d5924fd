package org.postern.imap.internal.decode;

import java.io.IOException;

/**
 * Where a large literal (an APPEND message above {@link Limits#maxLiteral()}) goes while it
 * arrives, so that it never sits on the heap. {@link TempFileSpool} writes owner-only temporary
 * files; a session may provide a sink straight into its blob store instead.
 */
@FunctionalInterface
public interface LiteralSpool {
    /**
     * Opens a sink for a literal of exactly {@code size} octets ({@code size} is within the
     * limits already). An exception refuses the literal: the command is answered {@code NO}.
     */
    LiteralSink create(long size) throws IOException;

    /** One literal being received. The framer calls either {@link #finish()} or {@link #discard()}. */
    interface LiteralSink {
        void write(byte[] b, int off, int len) throws IOException;

        /** All octets were written: the literal, owned from now on by the framed request. */
        Literal finish() throws IOException;

        /** The literal is abandoned (error, session closed): free everything, never throw. */
        void discard();
    }
}
