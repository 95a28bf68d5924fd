package org.postern.imap.internal.decode;

import java.io.IOException;
import java.io.InputStream;

/**
 * The data of one literal ({@code {n}}, {@code {n+}}) of a framed request: in memory
 * ({@link MemoryLiteral}) or spooled by a {@link LiteralSpool} (an APPEND message). Closing it
 * frees what it holds (a spooled literal deletes its file); closing twice is harmless.
 */
public interface Literal extends AutoCloseable {
    /** The number of octets, as announced and received. */
    long size();

    /** A fresh stream over the octets; may be called several times until {@link #close()}. */
    InputStream open() throws IOException;

    /** True when the octets are on the heap ({@link MemoryLiteral}). */
    boolean inMemory();

    @Override
    void close();
}
