package org.postern.protocol.smtp;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The body of one message while DATA is in progress: in memory up to {@link #MEMORY_LIMIT},
 * then in a private temporary file (0600) under the spool directory. Not durable and never
 * acknowledged: only the blob store's copy is. {@link #discard()} removes the file.
 */
public final class Spool implements AutoCloseable {
    public static final int MEMORY_LIMIT = 256 * 1024;

    private final Path directory;
    private ByteArrayOutputStream memory = new ByteArrayOutputStream();
    private Path file;
    private OutputStream fileOut;
    private long size;

    public Spool(Path directory) {
        this.directory = directory;
    }

    public void write(byte[] b, int off, int len) throws IOException {
        if (file == null && memory.size() + len > MEMORY_LIMIT) {
            Files.createDirectories(directory);
            file = Files.createTempFile(directory, "msg", ".tmp");
            fileOut = new java.io.BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
            memory.writeTo(fileOut);
            memory = null;
        }
        if (file != null) {
            fileOut.write(b, off, len);
        } else {
            memory.write(b, off, len);
        }
        size += len;
    }

    public long size() {
        return size;
    }

    /** A fresh stream over everything written so far; may be called several times. */
    public InputStream open() throws IOException {
        if (file == null) {
            return new ByteArrayInputStream(memory.toByteArray());
        }
        fileOut.flush();
        return Files.newInputStream(file);
    }

    public void discard() {
        memory = null;
        if (file != null) {
            try {
                fileOut.close();
            } catch (IOException ignored) {
                // the file goes anyway
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // swept at the next start
            }
            file = null;
        }
    }

    @Override
    public void close() {
        discard();
    }

    /** Removes leftovers of a crash (bodies never acknowledged). */
    public static void sweep(Path directory) {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (var files = Files.list(directory)) {
            files.filter(p -> p.getFileName().toString().endsWith(".tmp")).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // try again next start
                }
            });
        } catch (IOException ignored) {
            // nothing to sweep
        }
    }
}
