package org.postern.store.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code syncfs(2)} of the filesystem holding the blob directory, through coreutils'
 * {@code sync -f} (Java has no syncfs and Postern no JNI). A journal checkpoint used to force
 * every blob file it names, one {@code fsync} each: at 16 clients a tenth of the MX's CPU
 * (async-profiler, 2026-12-04). One syncfs writes back and flushes the whole filesystem,
 * directories included, for the price of starting one small process.
 *
 * <p>Used only where that is as safe as forcing each file: Linux 5.8 or later (syncfs reports
 * writeback errors since then; before, it returned 0 after a failed write-back), a local
 * filesystem whose syncfs flushes its journal (ext4, xfs, btrfs, f2fs, zfs; overlay flushes its
 * upper layer), never a network one (NFS, CIFS: a shared {@code blob.dir}, DESIGN §10), every
 * fan-out directory on the same filesystem as the blob directory, and {@code sync -f} found
 * and working once at start. An error anywhere in that filesystem fails the checkpoint, which
 * then keeps its segment for recovery, as a failed fsync of one file does.
 */
final class FilesystemSync {
    private static final Logger LOG = LoggerFactory.getLogger(FilesystemSync.class);
    static final Set<String> LOCAL = Set.of("ext4", "ext3", "xfs", "btrfs", "f2fs", "zfs", "overlay");
    private static final List<String> BINARIES = List.of("/usr/bin/sync", "/bin/sync");
    /** How long one syncfs may take before the checkpoint counts it failed. */
    static final long TIMEOUT_SECONDS = 300;

    private final List<String> command;

    FilesystemSync(List<String> command) {
        this.command = List.copyOf(command);
    }

    /**
     * The syncfs of {@code root}'s filesystem, or null (why logged) where forcing each file
     * remains the way.
     */
    static FilesystemSync forBlobDirectory(Path root, List<Path> fanOut) {
        String why = unusable(root, fanOut);
        if (why == null) {
            String binary = BINARIES.stream().filter(b -> Files.isExecutable(Path.of(b))).findFirst().orElse(null);
            if (binary == null) {
                why = "no sync command in " + BINARIES;
            } else {
                FilesystemSync s = new FilesystemSync(List.of(binary, "-f", root.toString()));
                try {
                    s.run();
                    LOG.info("Postern blob journal: checkpoints flush the blob directory's filesystem with one syncfs");
                    return s;
                } catch (IOException e) {
                    why = e.getMessage();
                }
            }
        }
        LOG.info("Postern blob journal: checkpoints force each blob file ({})", why);
        return null;
    }

    private static String unusable(Path root, List<Path> fanOut) {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "not Linux";
        }
        if (!kernelAtLeast(System.getProperty("os.version", ""), 5, 8)) {
            return "Linux before 5.8 does not report write-back errors to syncfs";
        }
        try {
            FileStore store = Files.getFileStore(root);
            if (!LOCAL.contains(store.type())) {
                return "a " + store.type() + " filesystem";
            }
            for (Path d : fanOut) {
                if (!Files.getFileStore(d).equals(store)) {
                    return d + " is on another filesystem";
                }
            }
        } catch (IOException e) {
            return e.toString();
        }
        return null;
    }

    static boolean kernelAtLeast(String version, int major, int minor) {
        String[] parts = version.split("[.\\-+]");
        try {
            int ma = Integer.parseInt(parts[0]);
            int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return ma > major || ma == major && mi >= minor;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Writes back and flushes the whole filesystem; IOException when it reports a failure. */
    void run() throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            // It says at most a line (an error), well within a pipe's buffer: read after it exits.
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException(command.get(0) + " -f did not finish in " + TIMEOUT_SECONDS + " s");
            }
            byte[] said;
            try (InputStream in = p.getInputStream()) {
                said = in.readNBytes(500);
            }
            if (p.exitValue() != 0) {
                throw new IOException(command.get(0) + " -f failed (exit " + p.exitValue() + "): "
                        + new String(said, StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("syncfs interrupted");
        } finally {
            p.destroy();
        }
    }
}
