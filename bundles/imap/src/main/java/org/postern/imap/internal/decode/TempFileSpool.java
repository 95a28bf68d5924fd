package org.postern.imap.internal.decode;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Spools large literals to temporary files in one directory: created owner-only (0600 on POSIX,
 * in a 0700 directory it creates), deleted when the literal is closed or discarded. Files are
 * named {@code literal*.tmp}; {@link #sweep()} removes what a crash left behind.
 */
public final class TempFileSpool implements LiteralSpool {
    private static final String PREFIX = "literal";
    private static final String SUFFIX = ".tmp";
    private static final boolean POSIX =
            FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private final Path directory;

    public TempFileSpool(Path directory) {
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }

    @Override
    public LiteralSink create(long size) throws IOException {
        Path file;
        if (POSIX) {
            Files.createDirectories(directory, attrs("rwx------"));
            file = Files.createTempFile(directory, PREFIX, SUFFIX, attrs("rw-------"));
        } else {
            Files.createDirectories(directory);
            file = Files.createTempFile(directory, PREFIX, SUFFIX);
        }
        try {
            return new FileSink(file, size);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** Deletes leftover spool files (call it before the first session of a server starts). */
    public int sweep() throws IOException {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, PREFIX + "*" + SUFFIX)) {
            for (Path f : files) {
                if (Files.deleteIfExists(f)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static FileAttribute<?> attrs(String perms) {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms));
    }

    private static final class FileSink implements LiteralSink {
        private final Path file;
        private final long size;
        private final OutputStream out;
        private long written;

        FileSink(Path file, long size) throws IOException {
            this.file = file;
            this.size = size;
            this.out = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (written + len > size) {
                throw new IOException("more octets than announced");
            }
            out.write(b, off, len);
            written += len;
        }

        @Override
        public Literal finish() throws IOException {
            out.close();
            if (written != size) {
                discard();
                throw new IOException("literal incomplete: " + written + " of " + size);
            }
            return new FileLiteral(file, size);
        }

        @Override
        public void discard() {
            try {
                out.close();
            } catch (IOException ignored) {
                // deleted anyway
            }
            delete(file);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // swept at the next start
        }
    }

    /** A literal in a temporary file; {@link #close()} deletes the file. */
    public static final class FileLiteral implements Literal {
        private final Path file;
        private final long size;
        private volatile boolean closed;

        FileLiteral(Path file, long size) {
            this.file = file;
            this.size = size;
        }

        /** The file, for a store that can take it over by moving it (then {@link #close()} is a no-op). */
        public Path file() {
            return file;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public InputStream open() throws IOException {
            if (closed) {
                throw new IOException("literal closed");
            }
            return Files.newInputStream(file);
        }

        @Override
        public boolean inMemory() {
            return false;
        }

        @Override
        public void close() {
            closed = true;
            delete(file);
        }

        @Override
        public String toString() {
            return "{" + size + "} in " + file;
        }
    }
}
