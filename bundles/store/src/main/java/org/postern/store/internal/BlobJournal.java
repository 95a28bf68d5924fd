package org.postern.store.internal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.zip.CRC32C;
import org.postern.api.store.BlobId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-local journal that lets concurrent blob writes share one disk flush.
 *
 * <p>{@link FileBlobStore#put} appends the body to the current segment ({@code seg-N.log}, one
 * record: magic, blob id, length, CRC-32C, body), writes the blob file without forcing it, and
 * waits for one {@code fdatasync} of the segment that covers its record ({@link #awaitDurable}):
 * whichever waiting writer finds no flush running flushes for all that appended before it
 * (leader and followers). Instead of a forced blob file, rename and directory flush per body
 * (three flushes), a lone body costs one flush of an already allocated file, and sixteen
 * concurrent ones share about one.
 *
 * <p>A checkpoint (every {@link #CHECKPOINT_MILLIS}, or sooner when a segment passes
 * {@link #SEGMENT_BYTES}) switches appends to a new segment, waits for the writers still busy in
 * the old one, forces every blob file the old segment names (one a deletion took meanwhile is
 * skipped) and their directories, and deletes the segment. So the journal is only a durability
 * buffer, seconds long, in front of the blob directory, which may be shared by several nodes
 * (DESIGN section 10): no body lives only in a node's journal once its checkpoint ran.
 *
 * <p>Recovery, at start ({@link #recover}): every intact record of a leftover segment has its
 * blob file made equal to the record (rewritten when missing, short or different) and forced; the
 * segment is then renamed {@code recovered-N.log} until the blob reaper has asked the database
 * which of those blobs a row refers to and unlinked the rest ({@link FileBlobStore#recoveredBlobs},
 * {@link BlobReaper}). That covers every way a crash can leave a body: acknowledged and filed
 * (kept, whole), stored but not filed or filed and since deleted (unlinked: no orphan, deleted
 * stays gone). A torn record (a crash mid-append) ends the segment's scan: it and anything after
 * it were never acknowledged.
 */
final class BlobJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BlobJournal.class);
    private static final int MAGIC = 0x504a3031; // "PJ01"
    static final int HEADER = 4 + 16 + 4 + 4;
    /** Bodies up to this size go through the journal; larger ones are forced on their own. */
    static final int MAX_BODY = 1 << 20;
    static final long SEGMENT_BYTES = 64L << 20;
    static final long CHECKPOINT_MILLIS = 5_000;

    private final Path dir;
    private final Function<BlobId, Path> blobPath;
    private final Object appendLock = new Object();
    private final Object flushLock = new Object();
    private boolean flushing; // under flushLock
    private Segment current; // under appendLock
    private long nextNumber;
    private final List<Segment> full = new ArrayList<>(); // switched away from, not yet checkpointed; under appendLock
    private final Thread checkpointer;
    private final long checkpointMillis;
    private volatile boolean closed;

    /** One segment file and what the checkpoint needs to know about it. */
    static final class Segment {
        final long number;
        final Path path;
        final FileChannel channel;
        long end; // under appendLock
        volatile long durable; // flushed up to here
        int writers; // appended, not yet done; under the segment's monitor
        final List<BlobId> blobs = new ArrayList<>(); // under appendLock

        Segment(long number, Path path, FileChannel channel) {
            this.number = number;
            this.path = path;
            this.channel = channel;
        }
    }

    /** For tests: a journal whose checkpointer has stopped, as after a crash (nothing is flushed or deleted). */
    void abandon() {
        closed = true;
        checkpointer.interrupt();
        try {
            checkpointer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Where one appended record ends: what {@link #awaitDurable} waits for. */
    record Ticket(Segment segment, long end) {
    }

    /**
     * Opens the journal in {@code dir} (created owner-only), after {@link #recover} ran on it.
     */
    BlobJournal(Path dir, Function<BlobId, Path> blobPath, long checkpointMillis) throws IOException {
        this.dir = dir;
        this.checkpointMillis = checkpointMillis;
        this.blobPath = blobPath;
        long highest = 0;
        for (Path p : segments(dir, "recovered-")) {
            highest = Math.max(highest, number(p, "recovered-"));
        }
        this.nextNumber = highest + 1;
        synchronized (appendLock) {
            current = open();
        }
        checkpointer = new Thread(this::checkpointLoop, "postern-blob-journal");
        checkpointer.setDaemon(true);
        checkpointer.start();
    }

    private Segment open() throws IOException {
        long n = nextNumber++;
        Path p = dir.resolve(String.format("seg-%016d.log", n));
        FileChannel ch = FileChannel.open(p, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                OwnerOnly.fileAttribute());
        return new Segment(n, p, ch);
    }

    /** Appends a record for {@code body}; the caller must {@link #done} the ticket whatever happens next. */
    Ticket append(BlobId id, byte[] body, int length) throws IOException {
        CRC32C crc = new CRC32C();
        crc.update(body, 0, length);
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        header.putInt(MAGIC).put(HexFormat.of().parseHex(id.value())).putInt(length).putInt((int) crc.getValue()).flip();
        ByteBuffer data = ByteBuffer.wrap(body, 0, length);
        Segment s;
        long end;
        boolean rotate;
        synchronized (appendLock) {
            if (closed) {
                throw new IOException("the blob journal is closed");
            }
            s = current;
            long at = s.end;
            ByteBuffer[] both = {header, data};
            while (header.hasRemaining() || data.hasRemaining()) {
                at += s.channel.write(both);
            }
            s.end = at;
            end = at;
            s.blobs.add(id);
            synchronized (s) {
                s.writers++;
            }
            rotate = at >= SEGMENT_BYTES;
        }
        if (rotate) {
            synchronized (this) {
                notifyAll(); // the checkpointer switches segments now rather than at its period
            }
        }
        return new Ticket(s, end);
    }

    /**
     * Returns once the record is on disk: one flush per group of writers, by whichever finds
     * none running.
     */
    void awaitDurable(Ticket t) throws IOException {
        Segment s = t.segment();
        synchronized (flushLock) {
            while (true) {
                if (s.durable >= t.end()) {
                    return;
                }
                if (!flushing) {
                    flushing = true;
                    break;
                }
                try {
                    flushLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for the journal flush");
                }
            }
        }
        try {
            long upTo;
            synchronized (appendLock) {
                upTo = s.end;
            }
            s.channel.force(false);
            s.durable = Math.max(s.durable, upTo);
        } finally {
            synchronized (flushLock) {
                flushing = false;
                flushLock.notifyAll();
            }
        }
        if (s.durable < t.end()) {
            throw new IOException("journal flush did not cover the record"); // cannot happen: end <= s.end
        }
    }

    /** The writer of {@code t} has finished with its blob file (written, or given up and deleted). */
    void done(Ticket t) {
        Segment s = t.segment();
        synchronized (s) {
            s.writers--;
            s.notifyAll();
        }
    }

    private void checkpointLoop() {
        while (!closed) {
            synchronized (this) {
                try {
                    wait(checkpointMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (closed) {
                return;
            }
            try {
                checkpoint();
            } catch (IOException | RuntimeException e) {
                LOG.warn("Postern blob journal: checkpoint failed, kept for the next one: {}", e.toString());
            }
        }
    }

    /**
     * Switches to a new segment when the current one holds records, and makes every switched-away
     * segment's blob files durable, then deletes it. Runs on the checkpointer (and at close).
     */
    void checkpoint() throws IOException {
        List<Segment> todo;
        synchronized (appendLock) {
            if (!current.blobs.isEmpty() && !closed) {
                full.add(current);
                current = open();
            }
            todo = new ArrayList<>(full);
        }
        for (Segment s : todo) {
            synchronized (s) {
                while (s.writers > 0) {
                    try {
                        s.wait(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("checkpoint interrupted");
                    }
                }
            }
            List<BlobId> blobs;
            synchronized (appendLock) {
                blobs = new ArrayList<>(s.blobs);
            }
            Set<Path> dirs = new TreeSet<>();
            for (BlobId id : blobs) {
                Path p = blobPath.apply(id);
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                    ch.force(true);
                    dirs.add(p.getParent());
                } catch (NoSuchFileException deletedMeanwhile) {
                    dirs.add(p.getParent()); // its unlinking is what must be durable now
                }
            }
            for (Path d : dirs) {
                FileBlobStore.forceDirectory(d);
            }
            s.channel.close();
            Files.deleteIfExists(s.path);
            synchronized (appendLock) {
                full.remove(s);
            }
        }
    }

    /**
     * Stops the checkpointer and checkpoints what is left, so a clean stop leaves no segment.
     * A writer still busy is waited for (briefly: the services are gone by now).
     */
    @Override
    public void close() {
        closed = true;
        checkpointer.interrupt();
        try {
            checkpointer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            synchronized (appendLock) {
                if (!current.blobs.isEmpty()) {
                    full.add(current);
                } else {
                    current.channel.close();
                    Files.deleteIfExists(current.path);
                }
            }
            checkpoint();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Postern blob journal: final checkpoint failed; the next start recovers it: {}", e.toString());
        }
    }

    // ---- recovery ----

    /** What {@link #recover} found: the blobs of the segments it renamed to {@code recovered-N.log}. */
    record Recovered(Path segment, List<BlobId> blobs) {
    }

    /**
     * Makes every blob file that an intact record of a leftover segment names equal to that
     * record, durable, and renames the segment {@code recovered-N.log}; then lists every
     * recovered segment (also those of an earlier start whose reaper check did not finish).
     * Runs before the blob store is offered to anyone.
     */
    static List<Recovered> recover(Path dir, Function<BlobId, Path> blobPath) throws IOException {
        int records = 0;
        int rewritten = 0;
        for (Path seg : segments(dir, "seg-")) {
            Set<Path> dirs = new TreeSet<>();
            List<BlobId> ids = new ArrayList<>();
            try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(seg), 1 << 16))) {
                while (true) {
                    Record r = Record.read(in);
                    if (r == null) {
                        break;
                    }
                    records++;
                    ids.add(r.id);
                    Path p = blobPath.apply(r.id);
                    dirs.add(p.getParent());
                    if (!r.matches(p)) {
                        rewritten++;
                        try (FileChannel ch = FileChannel.open(p, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                                StandardOpenOption.TRUNCATE_EXISTING), OwnerOnly.fileAttribute())) {
                            ByteBuffer b = ByteBuffer.wrap(r.body);
                            while (b.hasRemaining()) {
                                ch.write(b);
                            }
                            ch.force(true);
                        }
                    } else {
                        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                            ch.force(true);
                        }
                    }
                }
            }
            for (Path d : dirs) {
                FileBlobStore.forceDirectory(d);
            }
            Path renamed = dir.resolve("recovered-" + seg.getFileName().toString().substring("seg-".length()));
            Files.move(seg, renamed, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            FileBlobStore.forceDirectory(dir);
        }
        if (records > 0) {
            LOG.info("Postern blob journal: recovered {} bodies from the journal, {} of them rewritten", records, rewritten);
        }
        List<Recovered> out = new ArrayList<>();
        for (Path seg : segments(dir, "recovered-")) {
            out.add(new Recovered(seg, ids(seg)));
        }
        return out;
    }

    private static List<BlobId> ids(Path seg) throws IOException {
        List<BlobId> ids = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(seg), 1 << 16))) {
            for (Record r; (r = Record.read(in)) != null; ) {
                ids.add(r.id);
            }
        }
        return ids;
    }

    /** One intact record, or null at the end of the segment or at a torn or corrupt record. */
    private record Record(BlobId id, byte[] body, int crc) {
        static Record read(DataInputStream in) throws IOException {
            try {
                if (in.readInt() != MAGIC) {
                    return null;
                }
                byte[] raw = new byte[16];
                in.readFully(raw);
                int length = in.readInt();
                int crc = in.readInt();
                if (length < 0 || length > MAX_BODY) {
                    return null;
                }
                byte[] body = new byte[length];
                in.readFully(body);
                CRC32C c = new CRC32C();
                c.update(body);
                if ((int) c.getValue() != crc) {
                    return null;
                }
                return new Record(BlobId.of(HexFormat.of().formatHex(raw)), body, crc);
            } catch (EOFException torn) {
                return null;
            }
        }

        /** Whether the blob file holds exactly this body. */
        boolean matches(Path p) throws IOException {
            try {
                if (Files.size(p) != body.length) {
                    return false;
                }
                try (InputStream in = Files.newInputStream(p)) {
                    return java.util.Arrays.equals(in.readAllBytes(), body);
                }
            } catch (NoSuchFileException missing) {
                return false;
            }
        }
    }

    private static List<Path> segments(Path dir, String prefix) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, prefix + "*.log")) {
            for (Path p : s) {
                try {
                    number(p, prefix);
                    out.add(p);
                } catch (NumberFormatException notOurs) {
                    // left alone
                }
            }
        }
        out.sort(java.util.Comparator.comparing(p -> number(p, prefix)));
        return out;
    }

    private static long number(Path p, String prefix) {
        String name = p.getFileName().toString();
        return Long.parseLong(name.substring(prefix.length(), name.length() - ".log".length()));
    }
}
