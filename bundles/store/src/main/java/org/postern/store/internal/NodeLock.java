package org.postern.store.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One node per {@code postern.data}: an OS file lock on {@code postern.data/.node.lock}, held
 * while the store runs. With embedded Derby the database's own lock already says so; with
 * PostgreSQL nothing else would stop a second node started from a copied configuration from
 * sharing the first one's admin password file, TLS material and spool. The OS drops the lock
 * when the process dies, so a crash leaves nothing to clear.
 */
final class NodeLock implements AutoCloseable {
    static final String FILE = ".node.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private NodeLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static NodeLock acquire(Path dataDirectory) {
        Path file = dataDirectory.resolve(FILE);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            OwnerOnly.restrict(file, new java.util.ArrayList<>());
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException sameJvm) {
                l = null;
            }
            if (l == null) {
                throw new IllegalStateException("data directory " + dataDirectory + " is in use by another instance "
                        + "(each node needs a postern.data of its own; stop the other one first)");
            }
            return new NodeLock(ch, l);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new IllegalStateException("cannot lock " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // the channel's close below releases it anyway
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing held any more
            }
        }
    }
}
