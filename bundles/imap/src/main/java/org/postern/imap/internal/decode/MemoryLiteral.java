package org.postern.imap.internal.decode;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Arrays;

/** A literal small enough to stay on the heap (see {@link Limits#maxLiteral()}). */
public final class MemoryLiteral implements Literal {
    private final byte[] bytes;

    MemoryLiteral(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Copies {@code bytes}: for tests and callers building requests by hand. */
    public static MemoryLiteral of(byte[] bytes) {
        return new MemoryLiteral(bytes.clone());
    }

    /** A copy of the octets. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The octets themselves, for the parser of this package; never handed out. */
    byte[] raw() {
        return bytes;
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public InputStream open() {
        return new ByteArrayInputStream(bytes);
    }

    @Override
    public boolean inMemory() {
        return true;
    }

    @Override
    public void close() {
        // nothing held but heap
    }

    @Override
    public String toString() {
        return "{" + bytes.length + "}" + Arrays.hashCode(bytes);
    }
}
