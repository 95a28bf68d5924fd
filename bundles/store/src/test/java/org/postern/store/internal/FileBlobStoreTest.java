package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.store.BlobId;

class FileBlobStoreTest {
    @TempDir
    Path root;

    private static byte[] read(FileBlobStore store, BlobId id) throws IOException {
        Optional<InputStream> in = store.open(id);
        assertTrue(in.isPresent(), "blob " + id + " exists");
        try (InputStream s = in.get()) {
            return s.readAllBytes();
        }
    }

    private static BlobId put(FileBlobStore store, byte[] bytes) throws IOException {
        return store.put(new ByteArrayInputStream(bytes));
    }

    private static long filesUnder(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void putOpenSizeDeleteRoundTrip() throws IOException {
        FileBlobStore store = new FileBlobStore(root, true);
        byte[] body = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);

        BlobId id = put(store, body);

        assertArrayEquals(body, read(store, id));
        assertEquals(body.length, store.size(id));
        assertTrue(store.delete(id));
        assertTrue(store.open(id).isEmpty());
        assertEquals(-1, store.size(id));
        assertFalse(store.delete(id), "second delete finds nothing");
    }

    @Test
    void unknownIdIsAbsent() throws IOException {
        FileBlobStore store = new FileBlobStore(root, false);
        BlobId unknown = BlobId.of("0123456789abcdef0123456789abcdef");
        assertTrue(store.open(unknown).isEmpty());
        assertEquals(-1, store.size(unknown));
        assertFalse(store.delete(unknown));
    }

    @Test
    void oneMebibyteOfRandomBytesComesBackExactly() throws IOException {
        byte[] payload = new byte[1024 * 1024];
        new Random(20240506L).nextBytes(payload);
        FileBlobStore store = new FileBlobStore(root, true);

        BlobId id = put(store, payload);

        assertEquals(payload.length, store.size(id));
        assertArrayEquals(payload, read(store, id));
    }

    @Test
    void emptyBlob() throws IOException {
        FileBlobStore store = new FileBlobStore(root, false);
        BlobId id = put(store, new byte[0]);
        assertEquals(0, store.size(id));
        assertArrayEquals(new byte[0], read(store, id));
    }

    @Test
    void idsAreUniqueAndBlobsIndependent() throws IOException {
        FileBlobStore store = new FileBlobStore(root, false);
        Set<BlobId> ids = new HashSet<>();
        Map<BlobId, String> contents = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            String content = "same content";
            BlobId id = put(store, content.getBytes(StandardCharsets.UTF_8));
            assertTrue(ids.add(id), "id " + id + " issued twice");
            contents.put(id, content);
        }
        BlobId first = ids.iterator().next();
        assertTrue(store.delete(first));
        for (BlobId id : ids) {
            if (!id.equals(first)) {
                assertEquals(contents.get(id), new String(read(store, id), StandardCharsets.UTF_8));
            }
        }
        assertEquals(199, filesUnder(root));
    }

    @Test
    void putReadsToTheEndButDoesNotCloseTheStream() throws IOException {
        FileBlobStore store = new FileBlobStore(root, false);
        boolean[] closed = {false};
        ByteArrayInputStream source = new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5});
        InputStream watched = new FilterInputStream(source) {
            @Override
            public void close() throws IOException {
                closed[0] = true;
                super.close();
            }
        };
        BlobId id = store.put(watched);
        assertFalse(closed[0], "the caller owns the stream");
        assertEquals(0, source.available(), "read to its end");
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, read(store, id));
    }

    @Test
    void failingSourceLeavesNoTemporaryFileAndNoBlob() throws IOException {
        FileBlobStore store = new FileBlobStore(root, false);
        InputStream broken = new InputStream() {
            private int n;

            @Override
            public int read() throws IOException {
                if (n++ < 10) {
                    return 'x';
                }
                throw new IOException("connection reset");
            }
        };
        assertThrows(IOException.class, () -> store.put(broken));
        assertEquals(0, filesUnder(root), "neither a temp file nor a half blob");
    }

    @Test
    void successfulPutLeavesNothingInTmp() throws IOException {
        FileBlobStore store = new FileBlobStore(root, true);
        put(store, new byte[] {42});
        try (Stream<Path> s = Files.list(root.resolve("tmp"))) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void leftoverTemporaryFilesAreSweptAtStartButBlobsStay() throws IOException {
        FileBlobStore first = new FileBlobStore(root, false);
        BlobId kept = put(first, "keep me".getBytes(StandardCharsets.UTF_8));
        Path tmp = root.resolve("tmp");
        Path leftover = Files.writeString(tmp.resolve("0123456789abcdef0123456789abcdef"), "half a message");
        Path junk = Files.writeString(tmp.resolve("junk"), "?");
        Path inFlight = Files.writeString(tmp.resolve("fedcba9876543210fedcba9876543210"), "another node's");
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - FileBlobStore.TEMP_GRACE.toMillis() - 60_000);
        Files.setLastModifiedTime(leftover, old);
        Files.setLastModifiedTime(junk, old);

        FileBlobStore second = new FileBlobStore(root, false);

        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(inFlight), s.toList(),
                    "leftovers swept; a young temp file (another node sharing blob.dir, mid-delivery) kept");
        }
        assertEquals("keep me", new String(read(second, kept), StandardCharsets.UTF_8));
    }

    @Test
    void createsMissingRootDirectory() throws IOException {
        Path nested = root.resolve("a/b/blobs");
        FileBlobStore store = new FileBlobStore(nested, false);
        BlobId id = put(store, new byte[] {7});
        assertTrue(Files.isDirectory(nested.resolve("tmp")));
        assertEquals(1, filesUnder(nested));
        assertEquals(1, store.size(id));
    }

    @Test
    void rootThatCannotBeCreatedIsRefusedNamingIt() throws IOException {
        Path file = Files.writeString(root.resolve("plain-file"), "x");
        Path bad = file.resolve("blobs");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new FileBlobStore(bad, false));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    }

    @Test
    void componentConstructorUsesConfiguredDirectory() throws IOException {
        Path dir = root.resolve("configured");
        StoreTestSupport.useDataDirectory(root.resolve("data"));
        try {
            FileBlobStore store = new FileBlobStore(StoreTestSupport.storeConfig(Map.of("blob_dir", dir.toString())),
                    Map.of("blob.dir", dir.toString()));
            put(store, new byte[] {1});
            assertEquals(1, filesUnder(dir));
            assertEquals(1, journalFiles(root.resolve("data").resolve("blob-journal")).size(),
                    "the journal is node-local, in the data directory, not beside the (maybe shared) blobs");
            store.close();
        } finally {
            StoreTestSupport.clearDataDirectory();
        }
    }

    @Test
    void componentConstructorRefusesMalformedFsync() {
        Path dir = root.resolve("configured");
        Map<String, Object> props = Map.of("blob.dir", dir.toString(), "blob.fsync", "maybe");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FileBlobStore(StoreTestSupport.storeConfig(Map.of("blob_dir", dir.toString())), props));
        assertTrue(e.getMessage().contains("blob.fsync"), e.getMessage());
        assertFalse(Files.exists(dir), "nothing created for a bad configuration");
    }

    // ---- the journal (BlobJournal) ----

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<Path> journalFiles(Path dir) throws IOException {
        return filesEndingIn(dir, ".log");
    }

    private static List<Path> spareFiles(Path dir) throws IOException {
        return filesEndingIn(dir, ".free");
    }

    private static List<Path> filesEndingIn(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void journaledBodiesReadBackAndACheckpointAndACleanStopLeaveNoJournal() throws IOException {
        Path journal = root.resolve("journal");
        FileBlobStore store = new FileBlobStore(root.resolve("blobs"), true, journal, 3_600_000);
        Map<BlobId, byte[]> put = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            byte[] b = text("Subject: " + i + "\r\n\r\n" + "x".repeat(i * 100) + "\r\n");
            put.put(put(store, b), b);
        }
        byte[] big = new byte[BlobJournal.MAX_BODY + 1]; // too big for the journal: forced on its own
        new Random(7).nextBytes(big);
        put.put(put(store, big), big);
        for (Map.Entry<BlobId, byte[]> e : put.entrySet()) {
            assertArrayEquals(e.getValue(), read(store, e.getKey()));
        }
        assertEquals(1, journalFiles(journal).size());
        assertTrue(Files.size(journalFiles(journal).get(0)) > 20 * BlobJournal.HEADER, "20 records, the big body not among them");
        assertEquals(Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                java.nio.file.attribute.PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(journalFiles(journal).get(0)), "bodies in the journal are owner-only");

        store.journal().checkpoint();
        List<Path> left = journalFiles(journal);
        assertEquals(1, left.size(), "only the new, empty segment");
        assertEquals(0, Files.size(left.get(0)));
        assertArrayEquals(put.values().iterator().next(), read(store, put.keySet().iterator().next()));

        put(store, text("one more"));
        store.close();
        assertEquals(List.of(), journalFiles(journal), "a clean stop checkpoints everything");
        FileBlobStore again = new FileBlobStore(root.resolve("blobs"), true, journal, 3_600_000);
        assertEquals(List.of(), again.recoveredBlobs(), "nothing to recover after a clean stop");
        again.close();
    }

    /** A checkpoint naming many bodies flushes the filesystem once; one naming few forces each. */
    @Test
    void aCheckpointOfManyBodiesFlushesTheBlobFilesystemOnce() throws IOException {
        Path journal = root.resolve("journal");
        Path marker = root.resolve("syncfs-ran");
        FileBlobStore store = new FileBlobStore(root.resolve("blobs"), true, journal, 3_600_000,
                (blobs, fanOut) -> new FilesystemSync(List.of("sh", "-c", "echo ran >> \"$0\" && sync -f \"$1\"",
                        marker.toString(), blobs.toString())));
        Map<BlobId, byte[]> put = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            byte[] b = text("few " + i);
            put.put(put(store, b), b);
        }
        store.journal().checkpoint();
        assertFalse(Files.exists(marker), "3 bodies: each forced, no syncfs");
        for (int i = 0; i < BlobJournal.SYNCFS_MIN_FILES; i++) {
            byte[] b = text("many " + i);
            put.put(put(store, b), b);
        }
        store.journal().checkpoint();
        assertEquals(List.of("ran"), Files.readAllLines(marker), "one syncfs for the segment");
        assertEquals(1, journalFiles(journal).size(), "only the new segment");
        byte[] left = Files.readAllBytes(journalFiles(journal).get(0)); // the first segment's zeroed file
        assertArrayEquals(new byte[left.length], left, "holding no record");
        for (Map.Entry<BlobId, byte[]> e : put.entrySet()) {
            assertArrayEquals(e.getValue(), read(store, e.getKey()));
        }
        store.close();
    }

    /** A syncfs that reports a failure is a failed checkpoint: the segment stays for recovery. */
    @Test
    void aFailedSyncfsKeepsTheSegmentAndTheNextStartRecoversItsBodies() throws IOException {
        Path journal = root.resolve("journal");
        FileBlobStore store = new FileBlobStore(root.resolve("blobs"), true, journal, 3_600_000,
                (blobs, fanOut) -> new FilesystemSync(List.of("sh", "-c", "echo 'sync: error syncing: Input/output error' >&2; exit 1")));
        Map<BlobId, byte[]> put = new HashMap<>();
        for (int i = 0; i < BlobJournal.SYNCFS_MIN_FILES; i++) {
            byte[] b = text("body " + i);
            put.put(put(store, b), b);
        }
        IOException failed = assertThrows(IOException.class, () -> store.journal().checkpoint());
        assertTrue(failed.getMessage().contains("exit 1") && failed.getMessage().contains("Input/output error"),
                failed.getMessage());
        assertEquals(2, journalFiles(journal).size(), "the failed segment is kept beside the new one");
        store.close(); // its final checkpoint fails the same way: the segment stays
        FileBlobStore recovered = new FileBlobStore(root.resolve("blobs"), true, journal, 3_600_000);
        assertEquals(put.keySet(), recovered.recoveredBlobs().stream().flatMap(r -> r.blobs().stream())
                .collect(java.util.stream.Collectors.toSet()), "every body of the kept segment");
        for (Map.Entry<BlobId, byte[]> e : put.entrySet()) {
            assertArrayEquals(e.getValue(), read(recovered, e.getKey()));
        }
        recovered.close();
    }

    @Test
    void syncfsNeedsLinux58() {
        assertTrue(FilesystemSync.kernelAtLeast("6.1.0-27-amd64", 5, 8));
        assertTrue(FilesystemSync.kernelAtLeast("5.8.0", 5, 8));
        assertTrue(FilesystemSync.kernelAtLeast("5.10.0-1057-azure", 5, 8));
        assertFalse(FilesystemSync.kernelAtLeast("5.4.0-150-generic", 5, 8));
        assertFalse(FilesystemSync.kernelAtLeast("4.19.0", 5, 8));
        assertFalse(FilesystemSync.kernelAtLeast("", 5, 8));
        assertFalse(FilesystemSync.kernelAtLeast("unknown", 5, 8));
    }

    @Test
    void concurrentWritersShareTheJournalAndEveryBodySurvives() throws Exception {
        assertConcurrentWritersEndDurable(200, n -> text("message " + n + " " + "y".repeat(n % 5000)),
                (store, n, b) -> put(store, b));
    }

    /** What one of {@link #assertConcurrentWritersEndDurable}'s writers does with its body. */
    private interface Writer {
        BlobId write(FileBlobStore store, int n, byte[] body) throws Exception;
    }

    /**
     * 640 bodies written by 16 threads while checkpoints run every {@code checkpointMillis}: each
     * reads back whole, and a clean stop leaves no journal.
     */
    private void assertConcurrentWritersEndDurable(long checkpointMillis, java.util.function.IntFunction<byte[]> body,
            Writer writer) throws Exception {
        FileBlobStore store = new FileBlobStore(root.resolve("blobs"), true, root.resolve("journal"), checkpointMillis);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<Map.Entry<BlobId, byte[]>>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 640; i++) {
                int n = i;
                futures.add(pool.submit(() -> {
                    byte[] b = body.apply(n);
                    return Map.entry(writer.write(store, n, b), b);
                }));
            }
            for (var f : futures) {
                Map.Entry<BlobId, byte[]> e = f.get();
                assertArrayEquals(e.getValue(), read(store, e.getKey()));
            }
        } finally {
            pool.shutdownNow();
            store.close();
        }
        assertEquals(List.of(), journalFiles(root.resolve("journal")));
    }

    /**
     * A checkpointed segment is zeroed and kept, and the segment after the next switch writes
     * into its blocks (the same file) instead of a new one; a clean stop leaves no spare.
     */
    @Test
    void aCheckpointedSegmentIsZeroedAndALaterSegmentWritesIntoIt() throws IOException {
        Path journal = root.resolve("journal");
        FileBlobStore store = new FileBlobStore(root.resolve("blobs"), true, journal, 3_600_000);
        for (int i = 0; i < 3; i++) {
            put(store, text("Subject: to be checkpointed " + i + "\r\n\r\nbody\r\n"));
        }
        Path first = journalFiles(journal).get(0);
        Object inode = Files.getAttribute(first, "unix:ino");
        long used = Files.size(first);
        store.journal().checkpoint();
        List<Path> spares = spareFiles(journal);
        assertEquals(1, spares.size(), "the checkpointed segment kept as a spare");
        assertEquals(inode, Files.getAttribute(spares.get(0), "unix:ino"));
        byte[] kept = Files.readAllBytes(spares.get(0));
        assertEquals(used, kept.length);
        assertArrayEquals(new byte[kept.length], kept, "no body left in a spare");

        put(store, text("into the second segment"));
        store.journal().checkpoint(); // the third segment takes the spare over
        List<Path> live = journalFiles(journal);
        assertEquals(1, live.size());
        assertEquals(inode, Files.getAttribute(live.get(0), "unix:ino"), "the spare's file, not a new one");
        BlobId later = put(store, text("into the reused blocks"));
        assertArrayEquals(text("into the reused blocks"), read(store, later));
        store.close();
        assertEquals(List.of(), journalFiles(journal));
        assertEquals(List.of(), spareFiles(journal), "a clean stop leaves no spare");
    }

    /**
     * A leader interrupted in its flush (the JDK then closes the flush's channel and reports the
     * interrupt, not what fdatasync answered) flushes through the writers' descriptor instead:
     * its record is durable when the call returns, the interrupt is kept for the caller, and the
     * next flush works.
     */
    @Test
    void aLeaderInterruptedInItsFlushStillFlushesAndTheJournalGoesOn() throws IOException {
        Path journal = root.resolve("journal");
        Files.createDirectories(journal);
        BlobJournal j = new BlobJournal(journal, id -> root.resolve(id.value()), 3_600_000, null);
        try {
            byte[] body = text("flushed by an interrupted leader");
            BlobJournal.Ticket t = j.append(BlobId.of("0123456789abcdef0123456789abcdef"), body, body.length);
            Thread.currentThread().interrupt();
            try {
                j.awaitDurable(t); // no exception: the record is on disk
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is the caller's to handle");
                assertFalse(t.segment().sync.isOpen(), "the flush's channel was closed by the interrupt");
                assertTrue(t.segment().durable >= t.end());
            } finally {
                Thread.interrupted();
                j.done(t);
            }
            byte[] next = text("the next body");
            BlobJournal.Ticket u = j.append(BlobId.of("fedcba9876543210fedcba9876543210"), next, next.length);
            j.awaitDurable(u);
            j.done(u);
        } finally {
            j.abandon();
        }
        List<Path> segs = journalFiles(journal);
        assertEquals(1, segs.size());
        assertEquals(2 * BlobJournal.HEADER + "flushed by an interrupted leader".length() + "the next body".length(),
                Files.size(segs.get(0)), "both records in the one segment: it did not fail");
    }

    /**
     * A crash while a segment writes into a spare's blocks: the next start recovers that
     * segment's own records only, never a body of an earlier use (one deleted since stays gone),
     * and drops the spares.
     */
    @Test
    void aCrashInAReusedSegmentRecoversItsOwnRecordsOnly() throws IOException {
        Path blobs = root.resolve("blobs");
        Path journal = root.resolve("journal");
        FileBlobStore crashed = new FileBlobStore(blobs, true, journal, 3_600_000);
        // equal lengths: the new record ends exactly where an old one began
        BlobId a = put(crashed, text("body A of the first use"));
        BlobId b = put(crashed, text("body B of the first use"));
        BlobId c = put(crashed, text("body C of the first use"));
        crashed.journal().checkpoint();
        crashed.delete(b); // deleted by its owner: must stay gone
        BlobId d = put(crashed, text("body D, second segment"));
        crashed.journal().checkpoint(); // the third segment takes the first one's file over
        BlobId e = put(crashed, text("body E of the third use"));
        crashed.journal().abandon();

        FileBlobStore restarted = new FileBlobStore(blobs, true, journal, 3_600_000);
        List<BlobJournal.Recovered> recovered = restarted.recoveredBlobs();
        assertEquals(1, recovered.size());
        assertEquals(List.of(e), recovered.get(0).blobs(), "only the records of the segment's own use");
        assertFalse(restarted.open(b).isPresent(), "a deleted body is not brought back");
        assertEquals(List.of(), spareFiles(journal), "a crash's spares are not reused");
        for (BlobId id : List.of(a, c, d, e)) {
            assertTrue(restarted.open(id).isPresent());
            restarted.open(id).get().close();
        }
        restarted.recoveredChecked(recovered.get(0));
        restarted.close();
    }

    /** A newer Postern's journal is refused at start, not read as empty; a zeroed tail after "PJ" is only torn. */
    @Test
    void aJournalOfAnotherFormatStopsTheStoreButAZeroedTailDoesNot() throws IOException {
        Path journal = root.resolve("journal");
        Files.createDirectories(journal);
        Files.write(journal.resolve("seg-0000000000000001.log"), new byte[] {'P', 'J', 0, 0, 0, 0, 0, 0});
        FileBlobStore torn = new FileBlobStore(root.resolve("blobs"), true, journal, 3_600_000);
        assertEquals(List.of(), torn.recoveredBlobs().get(0).blobs(), "nothing intact in a zeroed record");
        torn.recoveredChecked(torn.recoveredBlobs().get(0));
        torn.close();

        Files.write(journal.resolve("seg-0000000000000009.log"), new byte[] {'P', 'J', '0', '2', 0, 0, 0, 0});
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new FileBlobStore(root.resolve("blobs"), true, journal, 3_600_000));
        assertTrue(e.getMessage().contains("unknown format"), e.getMessage());
        assertTrue(Files.exists(journal.resolve("seg-0000000000000009.log")), "left where it is for the operator");
    }

    /** A writer interrupted mid-put (a listener's pool shut down) must not break the journal for everyone else. */
    @Test
    void anInterruptedWriterLeavesTheJournalWorkingForTheOthers() throws Exception {
        FileBlobStore store = new FileBlobStore(root.resolve("blobs"), true, root.resolve("journal"), 3_600_000);
        try {
            Thread.currentThread().interrupt();
            try {
                BlobId first = put(store, text("written by an interrupted thread"));
                assertArrayEquals(text("written by an interrupted thread"), read(store, first));
            } catch (IOException refusedIsFineToo) {
                // the interrupted writer may fail; the point is the next one
            } finally {
                Thread.interrupted();
            }
            for (int i = 0; i < 5; i++) {
                BlobId id = put(store, text("after the interrupt " + i));
                assertArrayEquals(text("after the interrupt " + i), read(store, id));
            }
        } finally {
            store.close();
        }
    }

    /**
     * A crash (the checkpointer never ran) followed by a power cut that lost or damaged blob
     * files: the next start rewrites every body from the journal, ignores a torn last record,
     * and leaves the segment for the reaper's check against the database.
     */
    @Test
    void recoveryRewritesLostAndDamagedBodiesFromTheJournal() throws IOException {
        Path blobs = root.resolve("blobs");
        Path journal = root.resolve("journal");
        FileBlobStore crashed = new FileBlobStore(blobs, true, journal, 3_600_000);
        byte[] a = text("lost body");
        byte[] b = text("short body");
        byte[] c = text("damaged body");
        byte[] d = text("intact body");
        BlobId ia = put(crashed, a);
        BlobId ib = put(crashed, b);
        BlobId ic = put(crashed, c);
        BlobId id = put(crashed, d);
        crashed.journal().abandon();
        Path seg = journalFiles(journal).get(0);
        Files.delete(blobs.resolve(ia.value().substring(0, 2)).resolve(ia.value()));
        Files.write(blobs.resolve(ib.value().substring(0, 2)).resolve(ib.value()), text("short"));
        Files.write(blobs.resolve(ic.value().substring(0, 2)).resolve(ic.value()), text("DAMAGED BODY"));
        // a record torn by the crash: its header and half its body
        byte[] torn = java.util.Arrays.copyOf(Files.readAllBytes(seg), BlobJournal.HEADER + 4);
        Files.write(seg, torn, java.nio.file.StandardOpenOption.APPEND);

        FileBlobStore restarted = new FileBlobStore(blobs, true, journal, 3_600_000);
        assertArrayEquals(a, read(restarted, ia));
        assertArrayEquals(b, read(restarted, ib));
        assertArrayEquals(c, read(restarted, ic));
        assertArrayEquals(d, read(restarted, id));
        List<BlobJournal.Recovered> recovered = restarted.recoveredBlobs();
        assertEquals(1, recovered.size());
        assertEquals(List.of(ia, ib, ic, id), recovered.get(0).blobs());
        assertTrue(recovered.get(0).segment().getFileName().toString().startsWith("recovered-"));

        restarted.recoveredChecked(recovered.get(0));
        assertEquals(List.of(), restarted.recoveredBlobs());
        BlobId later = put(restarted, text("after recovery"));
        assertArrayEquals(text("after recovery"), read(restarted, later));
        restarted.close();
        assertEquals(List.of(), journalFiles(journal));
    }

    @Test
    void aBodyPutForFilingIsReadableAtOnceAndDurableOnceWaitedFor() throws Exception {
        Path blobs = root.resolve("blobs");
        Path journal = root.resolve("journal");
        FileBlobStore crashed = new FileBlobStore(blobs, true, journal, 3_600_000);
        byte[] a = text("Subject: filed\r\n\r\nwaited for\r\n");
        BlobId ia;
        try (InputStream in = new ByteArrayInputStream(a)) {
            ia = crashed.putForFiling(in);
        }
        assertArrayEquals(a, read(crashed, ia), "the filing parses it before its commit");
        crashed.awaitFiled(List.of(ia));
        crashed.awaitFiled(List.of(ia)); // waited for once: nothing left to wait for
        // The journal record is what makes it durable: a crash that loses the unforced file
        // before any checkpoint still gives it back.
        crashed.journal().abandon();
        Files.delete(blobs.resolve(ia.value().substring(0, 2)).resolve(ia.value()));
        FileBlobStore restarted = new FileBlobStore(blobs, true, journal, 3_600_000);
        assertArrayEquals(a, read(restarted, ia));
        restarted.recoveredChecked(restarted.recoveredBlobs().get(0));
        restarted.close();
    }

    @Test
    void aCheckpointBeforeTheWaitMakesTheBodyDurableAndTheWaitReturns() throws Exception {
        FileBlobStore store = new FileBlobStore(root.resolve("blobs"), true, root.resolve("journal"), 3_600_000);
        BlobId id;
        try (InputStream in = new ByteArrayInputStream(text("checkpointed first"))) {
            id = store.putForFiling(in);
        }
        store.journal().checkpoint(); // forces the blob file, closes and deletes its segment
        store.awaitFiled(List.of(id)); // no flush of a closed segment, no failure
        assertArrayEquals(text("checkpointed first"), read(store, id));
        BlobId deleted;
        try (InputStream in = new ByteArrayInputStream(text("never filed"))) {
            deleted = store.putForFiling(in);
        }
        assertTrue(store.delete(deleted));
        store.awaitFiled(List.of(deleted)); // a body that is not filed is deleted, not waited for
        store.close();
        assertEquals(List.of(), journalFiles(root.resolve("journal")));
    }

    @Test
    void manyWritersPuttingForFilingWhileCheckpointsRunAllEndDurable() throws Exception {
        assertConcurrentWritersEndDurable(20, n -> text("message " + n + " " + "z".repeat(n % 3000)), (store, n, b) -> {
            BlobId id;
            try (InputStream in = new ByteArrayInputStream(b)) {
                id = store.putForFiling(in);
            }
            Thread.sleep(n % 3); // the filing's own work, while the flush runs
            store.awaitFiled(List.of(id));
            return id;
        });
    }
}
