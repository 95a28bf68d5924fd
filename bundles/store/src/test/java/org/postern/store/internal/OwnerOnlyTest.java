package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.store.BlobId;

/** Message bodies and data directories are owner-only, whatever the umask; the start check fixes the rest. */
class OwnerOnlyTest {
    @TempDir
    Path tmp;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void blobsAndTheirDirectoriesAreOwnerOnly() throws Exception {
        FileBlobStore store = new FileBlobStore(tmp.resolve("data").resolve("blobs"), false);
        BlobId id = store.put(new ByteArrayInputStream("Subject: private\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
        try (Stream<Path> all = Files.walk(tmp.resolve("data"))) {
            for (Path p : all.toList()) {
                assertEquals(Files.isDirectory(p) ? "rwx------" : "rw-------", mode(p), p.toString());
            }
        }
        assertTrue(store.open(id).isPresent());
    }

    @Test
    void theStartCheckTightensWhatOthersCouldReadAndNamesIt() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("postern-data/db"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path seg = Files.writeString(data.resolve("seg0.dat"), "hashes");
        Files.setPosixFilePermissions(seg, PosixFilePermissions.fromString("rw-r--r--"));
        Path etc = Files.createDirectories(tmp.resolve("etc"));
        Path users = Files.writeString(etc.resolve("users.properties"), "admin = {CRYPT}x{CRYPT},_g_:admingroup");
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-r--r--"));
        Path storeCfg = Files.writeString(etc.resolve("org.postern.store.cfg"), "jdbc.password = x");
        Files.setPosixFilePermissions(storeCfg, PosixFilePermissions.fromString("rw-rw-r--"));
        Path harmless = Files.writeString(etc.resolve("jre.properties"), "x");
        Files.setPosixFilePermissions(harmless, PosixFilePermissions.fromString("rw-r--r--"));

        List<Path> changed = DataAtRestCheck.check(List.of(tmp.resolve("postern-data")), etc);

        assertTrue(changed.containsAll(List.of(data, seg, users, storeCfg)), changed.toString());
        assertEquals("rwx------", mode(data));
        assertEquals("rw-------", mode(seg));
        assertEquals("rw-------", mode(users));
        assertEquals("rw-------", mode(storeCfg));
        assertEquals("rw-r--r--", mode(harmless), "files without secrets are left alone");
        assertEquals(List.of(), DataAtRestCheck.check(List.of(tmp.resolve("postern-data")), etc), "second start: clean");
    }

    @Test
    void blobFilesAreWalkedOnceThenOnlyTheirDirectories() throws Exception {
        Path data = tmp.resolve("postern-data");
        Path fan = Files.createDirectories(data.resolve("blobs/ab"));
        Path oldBlob = Files.writeString(fan.resolve("ab01"), "written by an older version");
        Files.setPosixFilePermissions(oldBlob, PosixFilePermissions.fromString("rw-r--r--"));

        assertTrue(DataAtRestCheck.check(List.of(data), null).contains(oldBlob), "the first start fixes old bodies");
        assertEquals("rw-------", mode(oldBlob));
        assertTrue(Files.exists(data.resolve(DataAtRestCheck.BLOBS_CHECKED)));

        Files.setPosixFilePermissions(fan, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path db = Files.writeString(Files.createDirectories(data.resolve("db")).resolve("seg0"), "x");
        Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-r--r--"));
        List<Path> later = DataAtRestCheck.check(List.of(data), null);
        assertTrue(later.containsAll(List.of(fan, db)), "directories and everything else are still checked: " + later);
    }

    @Test
    void directoriesCreatedConcurrentlyAreCreatedOnceWithoutFailing() throws Exception {
        // Two nodes starting at once on one blob directory both create its fan-out directories.
        for (int round = 0; round < 20; round++) {
            Path dir = tmp.resolve("race" + round).resolve("50");
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(4);
            List<java.util.concurrent.Future<Path>> made = new java.util.ArrayList<>();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                for (int t = 0; t < 4; t++) {
                    made.add(pool.submit(() -> {
                        start.await();
                        return OwnerOnly.createDirectories(dir);
                    }));
                }
                for (java.util.concurrent.Future<Path> f : made) {
                    assertEquals(dir, f.get());
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        }
    }
}
