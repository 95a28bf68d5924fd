package org.postern.store.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.postern.api.smtp.CoreService;
import org.postern.core.config.ConfigCheck;
import org.postern.api.store.BlobId;
import org.postern.api.store.BlobStore;
import org.postern.api.store.DataDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blobs as files, {@code blobs/ab/abcd...}: 256 fan-out directories, created (and made durable)
 * once at start, so storing a blob never creates a directory. A blob is written to
 * {@code blobs/tmp}, forced to disk, renamed into place atomically, and the directory entry forced
 * too: after {@link #put} returns, a power cut cannot lose it, and a crash mid-write leaves only a
 * temp file (swept at start), never a half blob under a real id.
 *
 * <p>Several nodes may share one blob directory (DESIGN section 10), so the sweep at start takes
 * only temp files older than {@link #TEMP_GRACE}: a younger one may be another node's delivery
 * being written right now.
 */
@Component(service = {}, immediate = true, configurationPid = StoreConfig.PID)
public class FileBlobStore implements BlobStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileBlobStore.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A temp file lives for as long as one body takes to copy; one this old is a crash's leftover. */
    static final java.time.Duration TEMP_GRACE = java.time.Duration.ofHours(1);

    private final Path root;
    private final Path tmp;
    private final boolean fsync;
    /** Null: every body forced on its own (no fsync, or no journal configured). */
    private final BlobJournal journal;
    /**
     * Bodies stored by {@link #putForFiling} whose journal flush nobody has waited for yet: their
     * filing waits ({@link #awaitFiled}) before it commits. Removed once waited for or deleted.
     */
    private final java.util.concurrent.ConcurrentHashMap<BlobId, BlobJournal.Ticket> unflushed =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Beyond this many, entries whose segment was checkpointed (durable anyway) are dropped. */
    static final int MAX_UNFLUSHED = 10_000;
    /** Segments recovery left for the reaper's check; see {@link BlobJournal}. */
    private final java.util.concurrent.CopyOnWriteArrayList<BlobJournal.Recovered> recovered =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    private QuietRegistration registration;
    /** Names this node's journal in the database's record of what it filed ({@link JournaledFilings}). */
    private final String journalId;
    /** The journaled filings waiting for the database; null without a journal. */
    private final FilingQueue filingQueue;
    /**
     * The recovered segments' filing records have been filed (or there were none): until then
     * the reaper must not take their bodies for orphans.
     */
    volatile boolean filingsReplayed = true;
    /**
     * Deliveries are filed through the journal ({@link JournaledFilings}): a body stored for
     * filing is flushed with its filing record, one flush for both, not on its own first.
     */
    volatile boolean filingJournaled;

    /**
     * Registered by hand with {@code postern.core=true} only ({@link QuietRegistration}): a DS
     * registration would publish the store's configuration, JDBC password included.
     */
    @Activate
    public FileBlobStore(StoreConfig config, Map<String, Object> properties, org.osgi.framework.BundleContext context) {
        this(config, properties);
        registration = QuietRegistration.register(context, this,
                new String[] {BlobStore.class.getName(), FileBlobStore.class.getName()}, CoreService.PROPERTY, "true");
        // (holds nothing that needs releasing if that throws: no threads, no open files)
    }

    FileBlobStore(StoreConfig config, Map<String, Object> properties) {
        this(config.blob_dir().isBlank() ? DataDirectory.resolve().resolve("blobs") : Path.of(config.blob_dir()),
                fsyncChecked(config, properties), config.blob_journal() ? DataDirectory.resolve().resolve("blob-journal") : null,
                BlobJournal.CHECKPOINT_MILLIS,
                config.blob_checkpoint_syncfs() ? FilesystemSync::forBlobDirectory : (blobs, fanOut) -> null);
    }

    @org.osgi.service.component.annotations.Deactivate
    void unregister() {
        // The journal first: a filing still running elsewhere waits on this store for its body
        // (JdbcMessageRepository), and the final checkpoint is what answers it; a put arriving
        // meanwhile is refused (the journal is closed) rather than left unflushed.
        close();
        if (registration != null) {
            registration.close();
            registration = null;
        }
    }

    /** Checkpoints and closes the journal: a clean stop leaves none to recover. */
    void close() {
        if (journal != null) {
            if (FilingQueue.current == filingQueue) {
                FilingQueue.current = null;
            }
            journal.close();
        }
    }

    FileBlobStore(Path root, boolean fsync) {
        this(root, fsync, null);
    }

    /**
     * @param journalDir node-local directory of the blob journal ({@link BlobJournal}), used when
     *                   {@code fsync} is on; null for none
     */
    FileBlobStore(Path root, boolean fsync, Path journalDir) {
        this(root, fsync, journalDir, BlobJournal.CHECKPOINT_MILLIS);
    }

    FileBlobStore(Path root, boolean fsync, Path journalDir, long checkpointMillis) {
        this(root, fsync, journalDir, checkpointMillis, (r, d) -> null);
    }

    /** @param syncfs gives the journal its {@link FilesystemSync} (or null) for the blob root and its fan-out */
    FileBlobStore(Path root, boolean fsync, Path journalDir, long checkpointMillis,
            java.util.function.BiFunction<Path, List<Path>, FilesystemSync> syncfs) {
        try {
            this.root = DataDirectories.requireWritable(root.toAbsolutePath().normalize(), "blob directory");
            this.tmp = DataDirectories.requireWritable(this.root.resolve("tmp"), "blob directory");
            sweepTemporaryFiles();
            createFanOut(fsync);
            if (fsync && journalDir != null) {
                Path dir = DataDirectories.requireWritable(journalDir.toAbsolutePath().normalize(), "blob journal directory");
                recovered.addAll(BlobJournal.recover(dir, this::path));
                this.journalId = journalId(dir);
                this.filingQueue = new FilingQueue();
                this.journal = new BlobJournal(dir, this::path, checkpointMillis, syncfs.apply(this.root, fanOutDirectories()));
                filingsReplayed = recovered.stream().allMatch(r -> r.filings().isEmpty());
            } else {
                this.journal = null;
                this.journalId = null;
                this.filingQueue = null;
            }
        } catch (IOException e) {
            LOG.error("Postern blob store not started: blob journal: {}", e.toString());
            throw new IllegalStateException("blob journal: " + e, e);
        } catch (RuntimeException e) {
            LOG.error("Postern blob store not started: {}", e.getMessage());
            throw e;
        }
        this.fsync = fsync;
        if (filingQueue != null) {
            FilingQueue.current = filingQueue;
        }
        if (!fsync) {
            LOG.warn("Postern blob store: fsync is OFF; a power cut can lose acknowledged mail");
        }
    }

    private static boolean fsyncChecked(StoreConfig config, Map<String, Object> properties) {
        try {
            ConfigCheck.of(StoreConfig.PID, properties).isBoolean("blob.fsync").isBoolean("blob.journal").throwIfInvalid();
        } catch (IllegalArgumentException e) {
            LOG.error("Postern blob store not started: {}", e.getMessage());
            throw e;
        }
        return config.blob_fsync();
    }

    /** The 256 directories blob files live in (root/00 .. root/ff). */
    private List<Path> fanOutDirectories() {
        List<Path> dirs = new java.util.ArrayList<>(256);
        for (int i = 0; i < 256; i++) {
            dirs.add(root.resolve(String.format("%02x", i)));
        }
        return dirs;
    }

    private void createFanOut(boolean durable) {
        try {
            boolean created = false;
            for (Path dir : fanOutDirectories()) {
                if (!Files.isDirectory(dir)) {
                    OwnerOnly.createDirectories(dir);
                    created = true;
                }
            }
            if (created && durable) {
                forceDirectory(root);
            }
        } catch (IOException e) {
            throw new IllegalStateException("blob directory " + root + " is not writable (" + e + ")", e);
        }
    }

    private void sweepTemporaryFiles() {
        long cutoff = System.currentTimeMillis() - TEMP_GRACE.toMillis();
        try (var files = Files.list(tmp)) {
            files.forEach(f -> {
                try {
                    if (Files.getLastModifiedTime(f).toMillis() > cutoff) {
                        return; // maybe another node's delivery in flight
                    }
                    Files.deleteIfExists(f);
                } catch (java.nio.file.NoSuchFileException renamedMeanwhile) {
                    // another node's delivery finished between listing and looking
                } catch (IOException e) {
                    LOG.warn("Postern blob store: cannot remove leftover {}: {}", f, e.getMessage());
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + tmp + ": " + e.getMessage(), e);
        }
    }

    @Override
    public BlobId put(InputStream content) throws IOException {
        return store(content, true);
    }

    /**
     * Like {@link #put}, but a journaled body is not waited for: its flush starts now and runs
     * while the caller parses and files the message; the filing's commit waits for it
     * ({@link JdbcMessageRepository}). Large bodies, a saturated journal and no journal: as put.
     */
    @Override
    public BlobId putForFiling(InputStream content) throws IOException {
        return store(content, false);
    }

    /** @param durable wait for the journal flush here; otherwise {@link #awaitFiled} does */
    private BlobId store(InputStream content, boolean durable) throws IOException {
        byte[] raw = new byte[16];
        RANDOM.nextBytes(raw);
        BlobId id = BlobId.of(HexFormat.of().formatHex(raw));
        if (journal == null || journal.saturated()) {
            return putAlone(id, content);
        }
        byte[] body = content.readNBytes(BlobJournal.MAX_BODY + 1);
        if (body.length > BlobJournal.MAX_BODY) {
            return putAlone(id, new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(body), content));
        }
        return putJournaled(id, body, durable);
    }

    /**
     * Returns once every one of these bodies that {@link #putForFiling} stored is on disk; others
     * are durable already. Throws when the journal failed to flush one: it must not be filed.
     */
    void awaitFiled(java.util.Collection<BlobId> ids) throws IOException {
        for (BlobId id : ids) {
            BlobJournal.Ticket t = unflushed.get(id);
            if (t != null) {
                journal.awaitDurable(t);
                unflushed.remove(id, t);
            }
        }
    }

    private static void writeInPlace(Path target, byte[] body) throws IOException {
        try (FileChannel ch = FileChannel.open(target, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), OwnerOnly.fileAttribute())) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(body);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    /**
     * The blob file is written in place, unforced: until a checkpoint forces it, the journal
     * record is what makes it durable (and what recovery rewrites it from). Nobody can read it
     * before this returns, as nobody knows its id. Not {@code durable}: the flush is started,
     * not waited for, and the body is remembered for {@link #awaitFiled}.
     */
    private BlobId putJournaled(BlobId id, byte[] body, boolean durable) throws IOException {
        BlobJournal.Ticket t = journal.append(id, body, body.length);
        if (!durable && !filingJournaled) {
            journal.startFlush(t); // overlaps the filing's statements; a journaled filing's flush covers it instead
        }
        Path target = path(id);
        try {
            writeInPlace(target, body);
            if (durable) {
                journal.awaitDurable(t);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(target);
            throw e;
        } finally {
            journal.done(t);
        }
        if (!durable) {
            if (unflushed.size() >= MAX_UNFLUSHED) {
                // A segment checkpointed or failed answers every wait at once: those are leftovers
                // of bodies nobody filed nor deleted (a delivery whose database went away).
                unflushed.values().removeIf(k -> k.segment().checkpointed || k.segment().failed);
            }
            unflushed.put(id, t);
        }
        return id;
    }

    /** Temp file, forced, renamed into place, directory forced: for bodies the journal does not take. */
    private BlobId putAlone(BlobId id, InputStream content) throws IOException {
        Path temp = tmp.resolve(id.value());
        try (FileChannel ch = FileChannel.open(temp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), OwnerOnly.fileAttribute())) {
            OutputStream out = Channels.newOutputStream(ch);
            content.transferTo(out);
            out.flush();
            if (fsync) {
                ch.force(true);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Path target = path(id);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        if (fsync) {
            forceDirectory(target.getParent());
        }
        return id;
    }

    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private Path path(BlobId id) {
        String v = id.value();
        return root.resolve(v.substring(0, 2)).resolve(v);
    }

    @Override
    public Optional<InputStream> open(BlobId id) throws IOException {
        try {
            return Optional.of(Files.newInputStream(path(id)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public long size(BlobId id) throws IOException {
        Path p = path(id);
        return Files.exists(p) ? Files.size(p) : -1;
    }

    /** The blob files in fan-out directory {@code index} (0..255) with their last-modified times. */
    java.util.List<Map.Entry<BlobId, java.time.Instant>> list(int index) throws IOException {
        java.util.List<Map.Entry<BlobId, java.time.Instant>> out = new java.util.ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> dir = Files.newDirectoryStream(root.resolve(String.format("%02x", index)))) {
            for (Path p : dir) {
                BlobId id;
                try {
                    id = BlobId.of(p.getFileName().toString());
                } catch (IllegalArgumentException notABlob) {
                    continue;
                }
                try {
                    out.add(Map.entry(id, Files.getLastModifiedTime(p).toInstant()));
                } catch (NoSuchFileException gone) {
                    // deleted meanwhile
                }
            }
        } catch (NoSuchFileException e) {
            // a fan-out directory removed by hand: nothing in it
        }
        return out;
    }

    /**
     * The journal's id, made once (random, kept in the journal directory as {@code journal.id}),
     * so the database's "filed up to" row survives restarts but not a journal directory replaced.
     */
    private static String journalId(Path dir) throws IOException {
        Path file = dir.resolve("journal.id");
        if (Files.exists(file)) {
            String id = Files.readString(file, java.nio.charset.StandardCharsets.US_ASCII).trim();
            if (id.matches("[0-9a-f]{32}")) {
                return id;
            }
            throw new IOException(file + " is damaged; move it away knowingly (journaled filings not yet filed would be filed twice)");
        }
        byte[] raw = new byte[16];
        RANDOM.nextBytes(raw);
        String id = HexFormat.of().formatHex(raw);
        Path temp = dir.resolve("journal.id.tmp");
        try (FileChannel ch = FileChannel.open(temp, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), OwnerOnly.fileAttribute())) {
            ch.write(java.nio.ByteBuffer.wrap(id.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        forceDirectory(dir);
        return id;
    }

    /** This node's journal id; null without a journal (then nothing is journaled for filing). */
    String journalId() {
        return journalId;
    }

    /**
     * Appends a filing record to the journal, in the segment that holds these bodies' records;
     * null when the journal cannot take it now (none, too many segments waiting, too large, a
     * body not stored through the journal or in another segment): the caller files at once
     * instead. The caller must {@link #doneJournaling} the ticket, and {@link #filed} it once
     * filed or refused. Not handed to the flusher thread: the delivery's own thread flushes it
     * (or joins a flush running).
     */
    BlobJournal.Ticket journalFiling(long seq, byte[] payload, java.util.Collection<BlobId> bodies) throws IOException {
        if (journal == null || journal.saturated() || payload.length > BlobJournal.MAX_BODY) {
            return null;
        }
        List<BlobJournal.Segment> segments = new java.util.ArrayList<>(bodies.size());
        for (BlobId id : bodies) {
            BlobJournal.Ticket t = unflushed.get(id);
            if (t == null) {
                return null; // stored on its own (large, or the journal was saturated)
            }
            segments.add(t.segment());
        }
        return journal.appendFiling(seq, payload, segments);
    }

    /** Starts the journal flush of these bodies (stored with {@link #putForFiling}) now. */
    void startFlushOf(java.util.Collection<BlobId> bodies) {
        for (BlobId id : bodies) {
            BlobJournal.Ticket t = unflushed.get(id);
            if (t != null) {
                journal.startFlush(t);
            }
        }
    }

    /** The journaled filings not yet in the database; null without a journal. */
    FilingQueue filingQueue() {
        return filingQueue;
    }

    void awaitJournaled(BlobJournal.Ticket t) throws IOException {
        journal.awaitDurable(t);
    }

    void doneJournaling(BlobJournal.Ticket t) {
        journal.done(t);
    }

    void filed(BlobJournal.Ticket t) {
        journal.filed(t);
    }

    /** For tests: the journal, or null. */
    BlobJournal journal() {
        return journal;
    }

    /** What journal recovery left for the reaper to check against the database; see {@link BlobJournal}. */
    java.util.List<BlobJournal.Recovered> recoveredBlobs() {
        return java.util.List.copyOf(recovered);
    }

    /** The reaper has dealt with a recovered segment's blobs: the segment goes. */
    void recoveredChecked(BlobJournal.Recovered r) throws IOException {
        Files.deleteIfExists(r.segment());
        recovered.remove(r);
    }

    /** Fan-out directories, {@code 00} to {@code ff}. */
    static final int FAN_OUT = 256;

    @Override
    public boolean delete(BlobId id) throws IOException {
        unflushed.remove(id);
        boolean deleted = Files.deleteIfExists(path(id));
        if (deleted && fsync) {
            forceDirectory(path(id).getParent());
        }
        return deleted;
    }
}
