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
 * skipped) and their directories, and zeroes the segment to keep it as a spare ({@code
 * spare-N.free}) for a later segment, or deletes it. So the journal is only a durability
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
    private static final int MAGIC = 0x504a3031; // "PJ01": format 01
    /** "PJ" with another version: a journal this code does not know, never taken for a torn record. */
    private static final int MAGIC_FAMILY = 0x504a0000;
    /**
     * "PF01": a filing record (journaled filing, {@link #appendFiling}): the same layout as a
     * body's, its 16 id octets the filing's sequence number and 8 zeroes, its payload what
     * {@link JournaledFilings} files from it.
     */
    private static final int FILING_MAGIC = 0x50463031;
    private static final int FILING_FAMILY = 0x50460000;
    static final int HEADER = 4 + 16 + 4 + 4;
    /**
     * Bodies up to this size go through the journal (and are held in memory while they do);
     * larger ones, rare in mail, are forced on their own.
     */
    static final int MAX_BODY = 256 << 10;
    static final long SEGMENT_BYTES = 64L << 20;
    static final long CHECKPOINT_MILLIS = 5_000;
    /**
     * Segments waiting for their checkpoint beyond which bodies bypass the journal (forced on
     * their own) until it catches up: the journal never grows without bound.
     */
    static final int MAX_WAITING_SEGMENTS = 8;
    /**
     * Checkpointed segments kept, zeroed, for the next segments to take over. Writing into blocks
     * a file already has makes each flush one data write and a cache flush: appending to a new
     * file also allocated blocks and rewrote the inode at every flush (an {@code O_DSYNC} 4 KiB
     * write cost 0.26 to 0.41 ms appending and 0.12 ms overwriting on the reference VM). Zeroed
     * first, so no body outlives its checkpoint in a spare (deleted mail is gone).
     */
    static final int MAX_SPARES = 2;
    private static final String SPARE = "spare-";
    private static final String SPARE_SUFFIX = ".free";
    /**
     * Linux 4.13 or later reports a write-back error to every open file of the inode that has not
     * seen it yet (errseq); before, to the first flush only. Elsewhere, or older: unknown.
     */
    private static final boolean ERRORS_PER_OPEN_FILE = "Linux".equals(System.getProperty("os.name"))
            && FilesystemSync.kernelAtLeast(System.getProperty("os.version", ""), 4, 13);

    private final Path dir;
    private final Function<BlobId, Path> blobPath;
    private final Object appendLock = new Object();
    private final Object flushLock = new Object();
    private boolean flushing; // under flushLock
    private Segment current; // under appendLock
    private long nextNumber;
    private final List<Segment> full = new ArrayList<>(); // switched away from, not yet checkpointed; under appendLock
    private final java.util.ArrayDeque<Path> spares = new java.util.ArrayDeque<>(); // zeroed, for open(); under appendLock
    private final Thread checkpointer;
    /** Flushes at once what {@link #startFlush} asks for, so a deferred writer's flush overlaps its own work. */
    private final Thread flusher;
    private Segment flushRequested; // under flushLock
    private final long checkpointMillis;
    private volatile boolean closed;

    /** One segment file and what the checkpoint needs to know about it. */
    static final class Segment {
        final long number;
        final Path path;
        /**
         * Written through {@code RandomAccessFile}, not a {@code FileChannel}: an interrupted
         * writer must not close the file under every other writer (a channel closes itself on
         * interrupt). Flushed through {@link #sync}.
         */
        final java.io.RandomAccessFile file;
        /**
         * Only for {@code fdatasync}: a file already allocated (a spare's) changes no metadata that
         * a data sync must write, where {@code fsync} rewrote the inode for its new mtime each time.
         * Its own descriptor, because a channel closes on interrupt: an interrupted leader closes
         * only this (and flushes through the writers' descriptor instead, whose fsync cannot be
         * interrupted), which the next flush opens again, never the file the writers append to.
         * Under flushLock's {@code flushing} (one flush at a time).
         */
        FileChannel sync;
        long end; // under appendLock
        volatile long durable; // flushed up to here
        /**
         * A write or a flush failed: nothing past {@link #durable} may be trusted (after a failed
         * fsync the kernel may have dropped the pages, and a retry "succeeds"), so every record not
         * yet durable fails, and appends go to a new segment. Kept on disk for the next start.
         */
        volatile boolean failed;
        /**
         * Its checkpoint forced every blob file it names: each record is durable without the
         * segment, which is closed (or about to be) and must not be flushed any more.
         */
        volatile boolean checkpointed;
        int writers; // appended, not yet done; under the segment's monitor
        final List<BlobId> blobs = new ArrayList<>(); // under appendLock
        int filings; // filing records in it; under appendLock
        /**
         * Filing records not yet filed in the database (nor dropped as refused): until they are,
         * the segment is the only record of an acknowledged delivery and is not checkpointed.
         * Under appendLock.
         */
        int unfiled;

        /** Holds neither a body nor a filing. */
        boolean empty() {
            return blobs.isEmpty() && filings == 0;
        }

        /** Both descriptors closed, the second even when the first throws. */
        void closeFiles() throws IOException {
            try (java.io.RandomAccessFile f = file; FileChannel c = sync) {
                // closed by the try
            }
        }

        Segment(long number, Path path, java.io.RandomAccessFile file) {
            this.number = number;
            this.path = path;
            this.file = file;
        }
    }

    /** For tests: a journal whose checkpointer has stopped, as after a crash (nothing is flushed or deleted). */
    void abandon() {
        closed = true;
        synchronized (this) {
            notifyAll();
        }
        synchronized (flushLock) {
            flushLock.notifyAll();
        }
        try {
            checkpointer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Below this many blob files a checkpoint forces each: cheaper than starting {@code sync -f}. */
    static final int SYNCFS_MIN_FILES = 32;
    private final FilesystemSync syncfs;

    /** Where one appended record ends: what {@link #awaitDurable} waits for. */
    record Ticket(Segment segment, long end) {
    }

    /**
     * Opens the journal in {@code dir} (created owner-only), after {@link #recover} ran on it.
     *
     * @param syncfs flushes the blob directory's whole filesystem at a checkpoint naming at least
     *               {@link #SYNCFS_MIN_FILES} blob files, instead of forcing each; null: each
     */
    BlobJournal(Path dir, Function<BlobId, Path> blobPath, long checkpointMillis, FilesystemSync syncfs)
            throws IOException {
        this.syncfs = syncfs;
        this.dir = dir;
        this.checkpointMillis = checkpointMillis;
        this.blobPath = blobPath;
        long highest = 0;
        for (Path p : segments(dir, "recovered-")) {
            highest = Math.max(highest, number(p, "recovered-"));
        }
        this.nextNumber = highest + 1;
        deleteSpares(dir); // a crash's: a start keeps no journal file it did not write itself
        synchronized (appendLock) {
            current = open();
        }
        checkpointer = new Thread(this::checkpointLoop, "postern-blob-journal");
        checkpointer.setDaemon(true);
        checkpointer.start();
        flusher = new Thread(this::flushLoop, "postern-blob-journal-flush");
        flusher.setDaemon(true);
        flusher.start();
    }

    /**
     * A new segment, its name durable too (a directory entry needs its directory flushed): a
     * spare taken over when there is one, whose zeroes end a scan at its last record like the end
     * of a new file does. Under appendLock.
     */
    private Segment open() throws IOException {
        long n = nextNumber++;
        Path p = dir.resolve(String.format("seg-%016d.log", n));
        Path spare = spares.poll();
        if (spare != null) {
            try {
                Files.move(spare, p, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                LOG.warn("Postern blob journal: could not take over the spare segment {}: {}", spare.getFileName(), e.toString());
                Files.deleteIfExists(spare);
                spare = null;
            }
        }
        if (spare == null) {
            Files.createFile(p, OwnerOnly.fileAttribute());
        }
        try {
            FileBlobStore.forceDirectory(dir);
            return new Segment(n, p, new java.io.RandomAccessFile(p.toFile(), "rw"));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(p); // holds no record: no file left that nothing tracks
            throw e;
        }
    }

    /**
     * Keeps a checkpointed segment for a later {@link #open}, its {@code end} octets zeroed and
     * the zeroes flushed, or deletes it when enough are kept. Flushed here, on the checkpointer:
     * a spare's first use would otherwise write them back inside a delivery's flush, and a power
     * cut could leave old records (bodies deleted since) after the new ones.
     */
    private void recycle(Segment s, long end) throws IOException {
        synchronized (appendLock) {
            if (closed || spares.size() >= MAX_SPARES || end > SEGMENT_BYTES + HEADER + MAX_BODY) {
                Files.deleteIfExists(s.path);
                return;
            }
        }
        Path spare = dir.resolve(SPARE + String.format("%016d", s.number) + SPARE_SUFFIX);
        try {
            // WRITE without CREATE: a path already gone is an error, never a new file
            try (FileChannel f = FileChannel.open(s.path, StandardOpenOption.WRITE)) {
                ByteBuffer zeroes = ByteBuffer.allocate(1 << 16);
                for (long at = 0; at < end; ) {
                    zeroes.clear().limit((int) Math.min(zeroes.capacity(), end - at));
                    at += f.write(zeroes, at);
                }
                f.force(false);
            }
            Files.move(s.path, spare, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(s.path);
            throw e;
        }
        synchronized (appendLock) {
            if (!closed) {
                spares.add(spare);
                return;
            }
        }
        Files.deleteIfExists(spare); // close() is deleting the spares
    }

    private static void deleteSpares(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, SPARE + "*" + SPARE_SUFFIX)) {
            for (Path p : s) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Whether bodies should bypass the journal for now: its checkpoints are behind. */
    boolean saturated() {
        synchronized (appendLock) {
            return full.size() >= MAX_WAITING_SEGMENTS;
        }
    }

    /** Under appendLock: a failed segment takes no more appends; the next append opens a new one. */
    private Segment writable() throws IOException {
        if (current.failed) {
            switchSegment();
        }
        return current;
    }

    /** Under appendLock: {@code current} joins {@link #full} and a new segment takes its place. */
    private void switchSegment() throws IOException {
        Segment next = open(); // first: when it fails, current stays where it is, listed once
        full.add(current);
        current = next;
    }

    /** Appends a record for {@code body}; the caller must {@link #done} the ticket whatever happens next. */
    Ticket append(BlobId id, byte[] body, int length) throws IOException {
        return append(MAGIC, HexFormat.of().parseHex(id.value()), id, body, length, null);
    }

    /**
     * Appends a filing record; the caller must {@link #done} the ticket whatever happens next,
     * and {@link #filed} it once the filing is committed or will never be (refused): until then
     * its segment is not checkpointed.
     *
     * @param bodiesIn the segments of its bodies' records: it goes into the same one, after them,
     *                 or nowhere (null returned), so that one flush covers the filing and its
     *                 bodies, and the segment recovery replays it from holds its bodies too
     */
    Ticket appendFiling(long seq, byte[] payload, List<Segment> bodiesIn) throws IOException {
        return append(FILING_MAGIC, ByteBuffer.allocate(16).putLong(seq).array(), null, payload, payload.length, bodiesIn);
    }

    /** The filing of this ticket's record is committed, or refused for good. */
    void filed(Ticket t) {
        synchronized (appendLock) {
            t.segment().unfiled--;
        }
    }

    private Ticket append(int magic, byte[] raw, BlobId id, byte[] body, int length, List<Segment> sameAs)
            throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        header.putInt(magic).put(raw).putInt(length).putInt(crc(raw, length, body)).flip();
        Segment s;
        long end;
        boolean rotate;
        synchronized (appendLock) {
            if (closed) {
                throw new IOException("the blob journal is closed");
            }
            s = writable();
            if (sameAs != null) {
                for (Segment other : sameAs) {
                    if (other != s) {
                        return null; // switched since (about once per checkpoint)
                    }
                }
            }
            try {
                s.file.seek(s.end);
                s.file.write(header.array(), 0, HEADER);
                s.file.write(body, 0, length);
            } catch (IOException e) {
                // Bytes of a half record may be on disk: nothing more goes after them.
                s.failed = true;
                LOG.error("Postern blob journal: writing to {} failed; it takes no more bodies: {}", s.path, e.toString());
                throw e;
            }
            s.end += HEADER + length;
            end = s.end;
            if (id != null) {
                s.blobs.add(id);
            } else {
                s.filings++;
                s.unfiled++;
            }
            synchronized (s) {
                s.writers++;
            }
            rotate = end >= SEGMENT_BYTES;
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
     * none running (or by the flusher thread, when {@link #startFlush} asked it first).
     */
    void awaitDurable(Ticket t) throws IOException {
        Segment s = t.segment();
        synchronized (flushLock) {
            while (true) {
                if (s.durable >= t.end() || s.checkpointed) {
                    return;
                }
                if (s.failed) {
                    throw new IOException("the blob journal segment failed before this body was flushed");
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
        flushAsLeader(s);
        if (s.durable < t.end() && !s.checkpointed) {
            throw new IOException("journal flush did not cover the record"); // cannot happen: end <= s.end
        }
    }

    /**
     * Asks the flusher thread to flush the ticket's segment now, without waiting: the writer goes
     * on with other work (its filing's statements) and calls {@link #awaitDurable} when it must
     * know, usually to find the flush done. When a flush is already running, the next one (by the
     * flusher or by a waiting writer) covers the record.
     */
    void startFlush(Ticket t) {
        synchronized (flushLock) {
            flushRequested = t.segment();
            flushLock.notifyAll();
        }
    }

    private void flushLoop() {
        while (!closed) {
            Segment s;
            synchronized (flushLock) {
                while ((flushRequested == null || flushing) && !closed) {
                    try {
                        flushLock.wait(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                s = flushRequested;
                flushRequested = null;
                long end;
                synchronized (appendLock) {
                    end = s.end;
                }
                if (s.durable >= end || s.failed || s.checkpointed) {
                    continue;
                }
                flushing = true;
            }
            try {
                flushAsLeader(s);
            } catch (IOException | RuntimeException e) {
                // logged by flushAsLeader; the writers waiting for it see the segment failed
            }
        }
    }

    /** Flushes {@code s} up to its end; the caller set {@code flushing}, which this clears. */
    private void flushAsLeader(Segment s) throws IOException {
        try {
            long upTo;
            synchronized (appendLock) {
                upTo = s.end;
            }
            if (s.failed) {
                throw new IOException("the blob journal segment failed before this body was flushed");
            }
            try {
                try {
                    if (s.sync == null || !s.sync.isOpen()) {
                        s.sync = FileChannel.open(s.path, StandardOpenOption.READ);
                    }
                    s.sync.force(false);
                } catch (java.nio.channels.ClosedByInterruptException interrupted) {
                    // The JDK throws this over whatever fdatasync answered, an EIO included,
                    // and the kernel tells a write-back error only once per open file: a new
                    // descriptor could then "succeed" over lost pages. The writers' own
                    // descriptor has not seen the error yet, and its fsync cannot be interrupted.
                    // Without per-file error reporting, only failing the segment is safe.
                    if (!ERRORS_PER_OPEN_FILE) {
                        throw new IOException("flush interrupted, its outcome unknown", interrupted);
                    }
                    s.file.getFD().sync();
                }
            } catch (IOException e) {
                if (s.checkpointed) {
                    // Its bodies' blob files are forced, but the journal's disk failed: say so,
                    // and keep the file (the checkpoint sees it failed) rather than reuse it.
                    s.failed = true;
                    LOG.error("Postern blob journal: flushing {} failed after its checkpoint: {}", s.path, e.toString());
                    return;
                }
                s.failed = true; // never flushed again: a second fsync could "succeed" over lost pages
                LOG.error("Postern blob journal: flushing {} failed; its unflushed bodies are refused: {}", s.path, e.toString());
                throw e;
            }
            s.durable = Math.max(s.durable, upTo);
        } finally {
            synchronized (flushLock) {
                flushing = false;
                flushLock.notifyAll();
            }
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
            if ((!current.empty() || current.failed) && !closed) {
                switchSegment();
            }
            todo = new ArrayList<>(full);
        }
        IOException first = null;
        for (Segment s : todo) {
            synchronized (appendLock) {
                if (s.unfiled > 0) {
                    continue; // the only record of acknowledged deliveries: a later checkpoint
                }
            }
            try {
                checkpoint(s);
            } catch (IOException e) {
                // Never forced again in this process (fsyncgate): the segment stays on disk, and
                // the next start rewrites its bodies from it.
                LOG.error("Postern blob journal: checkpoint of {} failed; kept for recovery at the next start: {}",
                        s.path, e.toString());
                closeSegment(s);
                synchronized (appendLock) {
                    full.remove(s);
                }
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void checkpoint(Segment s) throws IOException {
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
        if (syncfs != null && blobs.size() >= SYNCFS_MIN_FILES) {
            syncfs.run(); // every blob file and directory entry of the filesystem, unlinks included
        } else {
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
        }
        s.checkpointed = true;
        closeSegment(s);
        if (s.failed) {
            // Its flushed records' bodies are forced now; the rest were refused. Kept anyway:
            // recovery at the next start reads what is intact and the reaper drops the rest.
            LOG.warn("Postern blob journal: {} failed earlier; kept for recovery at the next start", s.path);
        } else {
            long end;
            synchronized (appendLock) {
                end = s.end;
            }
            try {
                recycle(s, end);
            } catch (IOException e) {
                // the segment is checkpointed all the same: only its reuse failed
                LOG.warn("Postern blob journal: could not keep {} as a spare: {}", s.path.getFileName(), e.toString());
            }
        }
        synchronized (appendLock) {
            full.remove(s);
        }
    }

    /**
     * Closes a segment's file once no flush runs (a flush of a closed descriptor could reach a
     * file that reused its number), and wakes the writers waiting for it: those of a checkpointed
     * segment find their bodies durable, the others (its checkpoint failed) find it failed, as
     * a record not yet flushed can no longer be.
     */
    private void closeSegment(Segment s) throws IOException {
        synchronized (flushLock) {
            while (flushing) {
                try {
                    flushLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while closing a journal segment");
                }
            }
            if (!s.checkpointed) {
                s.failed = true;
            }
            try {
                s.closeFiles();
            } finally {
                flushLock.notifyAll();
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
        synchronized (this) {
            notifyAll(); // not an interrupt: the checkpointer finishes a checkpoint it is in
        }
        synchronized (flushLock) {
            flushLock.notifyAll();
        }
        try {
            checkpointer.join(10_000);
            flusher.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            synchronized (appendLock) {
                if (!current.empty() || current.failed) {
                    full.add(current);
                } else {
                    current.closeFiles();
                    Files.deleteIfExists(current.path);
                }
            }
            checkpoint();
            List<Segment> left;
            synchronized (appendLock) {
                left = new ArrayList<>(full);
                full.clear();
            }
            for (Segment s : left) {
                // filings not yet in the database: the next start files them from the segment
                LOG.warn("Postern blob journal: {} holds filings not yet filed; kept for the next start", s.path);
                closeSegment(s);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Postern blob journal: final checkpoint failed; the next start recovers it: {}", e.toString());
        }
        try {
            synchronized (appendLock) {
                spares.clear();
            }
            deleteSpares(dir); // a clean stop leaves no journal file
        } catch (IOException e) {
            LOG.warn("Postern blob journal: could not delete the spare segments: {}", e.toString());
        }
    }

    // ---- recovery ----

    /**
     * What {@link #recover} found in a segment it renamed to {@code recovered-N.log}: its blobs,
     * and its filing records in the order they were appended.
     */
    record Recovered(Path segment, List<BlobId> blobs, List<RecoveredFiling> filings) {
        Recovered(Path segment, List<BlobId> blobs) {
            this(segment, blobs, List.of());
        }
    }

    /** A filing record: its sequence number and payload ({@link JournaledFilings}). */
    record RecoveredFiling(long seq, byte[] payload) {
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
        java.util.Map<Path, Recovered> found = new java.util.HashMap<>(); // renamed segment -> its records
        for (Path seg : segments(dir, "seg-")) {
            Set<Path> dirs = new TreeSet<>();
            List<BlobId> ids = new ArrayList<>();
            List<RecoveredFiling> filings = new ArrayList<>();
            long intact = 0;
            try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(seg), 1 << 16))) {
                while (true) {
                    Record r = Record.read(in);
                    if (r == null) {
                        break;
                    }
                    intact += HEADER + r.body.length;
                    if (r.id == null) {
                        filings.add(new RecoveredFiling(r.seq, r.body));
                        continue;
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
            long rest = Files.size(seg) - intact;
            if (rest > 0 && !zeroesFrom(seg, intact)) { // zeroes: a spare's unwritten rest
                // A record torn by the crash (never acknowledged), or damage after which an
                // acknowledged body could hide: say how much was not read.
                LOG.warn("Postern blob journal: {} octets at the end of {} are no intact record and were skipped",
                        rest, seg.getFileName());
            }
            for (Path d : dirs) {
                FileBlobStore.forceDirectory(d);
            }
            Path renamed = dir.resolve("recovered-" + seg.getFileName().toString().substring("seg-".length()));
            Files.move(seg, renamed, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            FileBlobStore.forceDirectory(dir);
            found.put(renamed, new Recovered(renamed, ids, filings));
        }
        if (records > 0) {
            LOG.info("Postern blob journal: recovered {} bodies from the journal, {} of them rewritten", records, rewritten);
        }
        List<Recovered> out = new ArrayList<>();
        for (Path seg : segments(dir, "recovered-")) {
            // read again only when an earlier start recovered it and its check did not finish
            Recovered r = found.get(seg);
            out.add(r != null ? r : read(seg));
        }
        return out;
    }

    private static boolean zeroesFrom(Path seg, long from) throws IOException {
        try (InputStream in = Files.newInputStream(seg)) {
            in.skipNBytes(from);
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] != 0) {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    private static Recovered read(Path seg) throws IOException {
        List<BlobId> ids = new ArrayList<>();
        List<RecoveredFiling> filings = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(seg), 1 << 16))) {
            for (Record r; (r = Record.read(in)) != null; ) {
                if (r.id == null) {
                    filings.add(new RecoveredFiling(r.seq, r.body));
                } else {
                    ids.add(r.id);
                }
            }
        }
        return new Recovered(seg, ids, filings);
    }

    /**
     * "PJ" and two other version digits: another format, not a torn record (a torn or zeroed
     * tail never spells two ASCII digits after "PJ" by itself).
     */
    static boolean isOtherVersion(int magic) {
        int hi = (magic >>> 8) & 0xff;
        int lo = magic & 0xff;
        int family = magic & 0xffff0000;
        return (family == MAGIC_FAMILY || family == FILING_FAMILY) && hi >= '0' && hi <= '9' && lo >= '0' && lo <= '9';
    }

    /** CRC-32C over the blob id, the length and the body: a damaged id or length fails it too. */
    private static int crc(byte[] rawId, int length, byte[] body) {
        CRC32C c = new CRC32C();
        c.update(rawId);
        c.update(ByteBuffer.allocate(4).putInt(length).flip());
        c.update(body, 0, length);
        return (int) c.getValue();
    }

    /**
     * One intact record, or null at the end of the segment or at a torn or corrupt record. A
     * filing record has no id and its sequence number; a body's has no sequence number (0).
     */
    private record Record(BlobId id, long seq, byte[] body, int crc) {
        static Record read(DataInputStream in) throws IOException {
            int magic;
            try {
                magic = in.readInt();
            } catch (EOFException end) {
                return null;
            }
            if (magic != MAGIC && magic != FILING_MAGIC && isOtherVersion(magic)) {
                throw new IOException("a blob journal segment of an unknown format (written by a newer Postern?); "
                        + "start that version, or move the segment away knowingly");
            }
            if (magic != MAGIC && magic != FILING_MAGIC) {
                return null;
            }
            try {
                byte[] raw = new byte[16];
                in.readFully(raw);
                int length = in.readInt();
                int crc = in.readInt();
                if (length < 0 || length > MAX_BODY) {
                    return null;
                }
                byte[] body = new byte[length];
                in.readFully(body);
                if (BlobJournal.crc(raw, length, body) != crc) {
                    return null;
                }
                if (magic == FILING_MAGIC) {
                    return new Record(null, ByteBuffer.wrap(raw).getLong(), body, crc);
                }
                return new Record(BlobId.of(HexFormat.of().formatHex(raw)), 0, body, crc);
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
