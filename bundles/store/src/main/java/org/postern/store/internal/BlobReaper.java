package org.postern.store.internal;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.postern.core.config.ConfigCheck;
import org.postern.api.store.BlobId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes deleted bodies gone. Two jobs on one thread of its own:
 * <ul>
 * <li><b>Pending deletions</b>: unlinks the blobs recorded in {@code pending_blob_deletion} and
 * removes a record only once its blob is gone (a blob already missing counts as gone). A failure
 * counts an attempt and is logged once per blob (its id and the error, never content); the blob is
 * tried again every {@code blob.deletion.retry.seconds}, and at once when a repository records
 * new ones ({@link Database#pendingDeletionsRecorded()} calls {@link #kick()}).</li>
 * <li><b>Orphaned blobs</b>: a blob file that no message row and no queued outbound message
 * refers to and that is not recorded for deletion, older than {@code blob.orphan.grace.minutes}
 * (younger ones may be deliveries in flight), is unlinked: what a crash between storing a body
 * and filing it, or a failed unlink nobody recorded, left behind. Runs a few minutes after start,
 * then every {@code blob.orphan.interval.hours}, looking at about {@code blob.orphan.max.files}
 * files per run and going on where it stopped the next time. Logs counts only.</li>
 * </ul>
 */
@Component(service = {}, immediate = true, configurationPid = StoreConfig.PID)
public class BlobReaper {
    private static final Logger LOG = LoggerFactory.getLogger(BlobReaper.class);
    /** Records read per query. */
    static final int BATCH = 500;
    /** At most this many records per pass; the next pass goes on. */
    static final int MAX_PER_PASS = 100_000;
    static final Duration ORPHAN_START_DELAY = Duration.ofMinutes(5);

    /** What configuration decides, in a form tests can build. */
    record Settings(Duration retry, Duration orphanGrace, Duration orphanInterval, int orphanMaxFiles) {
        static final Settings DEFAULTS = new Settings(Duration.ofSeconds(60), Duration.ofMinutes(60),
                Duration.ofHours(24), 200_000);
    }

    private final Database db;
    private final FileBlobStore blobs;
    private final Clock clock;
    private final Settings settings;
    private final AtomicBoolean kickQueued = new AtomicBoolean();
    /** Handed to {@link Database#onPendingDeletionsRecorded}: one instance, so stop can take it back. */
    private final Runnable wakeUp = this::kick;
    /** Fan-out directory the next orphan sweep starts in. */
    private int orphanCursor;
    /** A failing pass is logged once until one succeeds again. */
    private boolean passFailing;
    private volatile ScheduledExecutorService executor;

    @Activate
    public BlobReaper(@Reference Database db, @Reference FileBlobStore blobs, StoreConfig config,
            Map<String, Object> properties) {
        this(db, blobs, Clock.systemUTC(), checked(config, properties));
        start();
    }

    BlobReaper(Database db, FileBlobStore blobs, Clock clock, Settings settings) {
        this.db = db;
        this.blobs = blobs;
        this.clock = clock;
        this.settings = settings;
    }

    private static Settings checked(StoreConfig c, Map<String, Object> properties) {
        try {
            ConfigCheck.of(StoreConfig.PID, properties)
                    .isLong("blob.deletion.retry.seconds", 1, 86_400)
                    .isLong("blob.orphan.grace.minutes", 5, 10_080)
                    .isLong("blob.orphan.interval.hours", 1, 720)
                    .isLong("blob.orphan.max.files", 1000, 100_000_000)
                    .throwIfInvalid();
        } catch (IllegalArgumentException e) {
            LOG.error("Postern blob reaper not started: {}", e.getMessage());
            throw e;
        }
        return new Settings(Duration.ofSeconds(c.blob_deletion_retry_seconds()),
                Duration.ofMinutes(c.blob_orphan_grace_minutes()), Duration.ofHours(c.blob_orphan_interval_hours()),
                c.blob_orphan_max_files());
    }

    /** Starts the thread: pending deletions at once and periodically, orphans after a delay and periodically. */
    void start() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "postern-blob-reaper");
            t.setDaemon(true);
            return t;
        });
        e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        e.scheduleWithFixedDelay(this::pendingPass, 0, settings.retry().toMillis(), TimeUnit.MILLISECONDS);
        e.scheduleWithFixedDelay(this::orphanPass, ORPHAN_START_DELAY.toMillis(), settings.orphanInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        executor = e;
        db.onPendingDeletionsRecorded(wakeUp);
    }

    @Deactivate
    void stop() {
        db.noLongerOnPendingDeletionsRecorded(wakeUp);
        ExecutorService e = executor;
        executor = null;
        if (e == null) {
            return;
        }
        e.shutdownNow();
        try {
            if (!e.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Postern blob reaper: still busy 10 s after stop; it ends with its current blob");
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** New records were committed: work on them now rather than at the next period. Never blocks. */
    void kick() {
        ScheduledExecutorService e = executor;
        if (e == null || !kickQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            e.execute(() -> {
                kickQueued.set(false);
                pendingPass();
            });
        } catch (RejectedExecutionException stopping) {
            kickQueued.set(false);
        }
    }

    private void pendingPass() {
        try {
            checkRecovered();
        } catch (RuntimeException e) {
            LOG.warn("Postern blob reaper: check of the bodies journal recovery restored failed, will retry: {}", e.toString());
        }
        try {
            deletePending();
            passFailing = false;
        } catch (RuntimeException e) {
            if (!passFailing) {
                LOG.warn("Postern blob reaper: pass over pending deletions failed, will retry: {}", e.toString());
            }
            passFailing = true;
        }
    }

    private void orphanPass() {
        if (!blobs.filingsReplayed || JournaledFilings.backlogged()) {
            // acknowledged bodies whose rows are not written yet would look like orphans
            LOG.info("Postern blob reaper: sweep for orphaned blobs skipped: journaled deliveries are still being filed");
            return;
        }
        try {
            collectOrphans();
        } catch (RuntimeException e) {
            LOG.warn("Postern blob reaper: sweep for orphaned blobs failed: {}", e.toString());
        }
    }

    /**
     * The blobs that journal recovery restored (see {@link BlobJournal}): those no message row
     * and no queued outbound message refers to are unlinked (stored but never filed, or filed
     * and deleted since), the others stay. Then the recovered segment goes. Until this succeeds
     * (the database may be down) the segment stays and the next pass tries again.
     *
     * @return how many recovered blobs were unlinked
     */
    int checkRecovered() {
        int unlinked = 0;
        if (!blobs.filingsReplayed) {
            // their filing records are not filed yet: their bodies are no orphans (a later pass)
            return 0;
        }
        for (BlobJournal.Recovered r : blobs.recoveredBlobs()) {
            Set<BlobId> used = PendingDeletions.referenced(db, r.blobs());
            int gone = 0;
            IOException failed = null;
            for (BlobId id : r.blobs()) {
                if (!used.contains(id)) {
                    try {
                        if (blobs.delete(id)) {
                            gone++;
                        }
                    } catch (IOException e) {
                        failed = e; // the others still go; the segment stays for another try
                    }
                }
            }
            try {
                if (failed != null) {
                    throw failed;
                }
                blobs.recoveredChecked(r);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            LOG.info("Postern blob reaper: {} recovered bodies checked, {} never filed or deleted since were unlinked",
                    r.blobs().size(), gone);
            unlinked += gone;
        }
        return unlinked;
    }

    /**
     * One pass over the pending deletions: every blob recorded gets one try, fewest attempts first.
     *
     * @return how many records were cleared (their blobs are gone)
     */
    int deletePending() {
        int cleared = 0;
        Set<BlobId> tried = new java.util.HashSet<>();
        while (tried.size() < MAX_PER_PASS && !Thread.currentThread().isInterrupted()) {
            List<PendingDeletions.Pending> batch = PendingDeletions.next(db, BATCH).stream()
                    .filter(p -> !tried.contains(p.blob())).toList();
            if (batch.isEmpty()) {
                break; // nothing left, or only records that failed in this pass
            }
            Set<BlobId> stillFiled = PendingDeletions.referenced(db,
                    batch.stream().map(PendingDeletions.Pending::blob).toList());
            int clearedNow = 0;
            for (PendingDeletions.Pending p : batch) {
                if (!tried.add(p.blob())) {
                    continue; // recorded twice
                }
                if (stillFiled.contains(p.blob())) {
                    // Another message still refers to it: a body shared between copies (IMAP
                    // COPY; normal), a queued outbound message's, or a delivery that looked
                    // failed but committed. The body stays, and the records go only while a row
                    // still refers to it: a record committed meanwhile by the deletion of that
                    // last row is kept.
                    if (PendingDeletions.keptForAnotherMessage(db, p.blob()) > 0) {
                        LOG.debug("Postern blob reaper: blob {} ({}) is still referenced by a message or the "
                                + "outbound queue; kept", p.blob(), p.reason());
                        clearedNow++;
                    }
                    continue;
                }
                try {
                    blobs.delete(p.blob());
                } catch (IOException | RuntimeException e) {
                    PendingDeletions.failed(db, p.blob());
                    if (p.attempts() == 0) {
                        LOG.warn("Postern blob reaper: cannot delete blob {} ({}), will retry: {}", p.blob(), p.reason(),
                                e.toString());
                    }
                    continue;
                }
                PendingDeletions.done(db, p.blob());
                clearedNow++;
            }
            cleared += clearedNow;
        }
        if (cleared > 0) {
            LOG.debug("Postern blob reaper: {} blobs deleted", cleared);
        }
        return cleared;
    }

    /**
     * One sweep for orphaned blob files, starting in the fan-out directory where the last one
     * stopped and ending after the directory that reaches the file budget (or after all 256).
     *
     * @return how many orphans were deleted
     */
    int collectOrphans() {
        Instant cutoff = clock.instant().minus(settings.orphanGrace());
        int examined = 0;
        int deleted = 0;
        int failed = 0;
        for (int n = 0; n < FileBlobStore.FAN_OUT && examined < settings.orphanMaxFiles(); n++) {
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
            int dir = orphanCursor;
            orphanCursor = (orphanCursor + 1) % FileBlobStore.FAN_OUT;
            List<Map.Entry<BlobId, Instant>> files;
            try {
                files = blobs.list(dir);
            } catch (IOException e) {
                LOG.warn("Postern blob reaper: cannot list blob directory {}: {}", String.format("%02x", dir),
                        e.toString());
                continue;
            }
            examined += files.size();
            List<BlobId> old = new ArrayList<>();
            for (Map.Entry<BlobId, Instant> f : files) {
                if (f.getValue().isBefore(cutoff)) {
                    old.add(f.getKey());
                }
            }
            if (old.isEmpty()) {
                continue;
            }
            Set<BlobId> kept = PendingDeletions.referencedOrPending(db, old);
            for (BlobId id : old) {
                if (kept.contains(id)) {
                    continue;
                }
                try {
                    if (blobs.delete(id)) {
                        deleted++;
                    }
                } catch (IOException | RuntimeException e) {
                    failed++;
                }
            }
        }
        if (deleted > 0 || failed > 0) {
            LOG.info("Postern blob reaper: deleted {} orphaned blobs ({} files looked at{})", deleted, examined,
                    failed > 0 ? ", " + failed + " could not be deleted" : "");
        }
        return deleted;
    }
}
