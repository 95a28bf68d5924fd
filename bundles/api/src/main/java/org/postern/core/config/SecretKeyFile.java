package org.postern.core.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * A node's secret key kept as hex digits in a file readable by its owner only (the app password
 * key, the webmail's TOTP sealing key): made at first start when missing, its permissions made
 * owner-only when they are not. Every node of a cluster needs the same file, like the TLS
 * certificate. No logging here: the caller says what happened, in its own words.
 *
 * @since 1.2
 */
public final class SecretKeyFile {
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    /**
     * @param key the key octets (the caller clears them once used)
     * @param created true when this call made the file
     * @param loosened the permissions the file had when they were wider than owner-only (now
     *        tightened), or null
     */
    public record Loaded(byte[] key, boolean created, String loosened) {
    }

    private SecretKeyFile() {
    }

    /**
     * @param what the key's name for error messages ("app password key")
     * @throws IllegalArgumentException when the file holds fewer than {@code bytes} octets of hex
     * @throws UncheckedIOException when it cannot be read or made
     */
    public static Loaded loadOrCreate(Path file, int bytes, String what) {
        try {
            boolean created = !Files.exists(file) && create(file, bytes);
            String loosened = tightenPermissions(file);
            byte[] text = Files.readAllBytes(file);
            try {
                String hex = new String(text, StandardCharsets.US_ASCII).strip();
                if (hex.length() < 2 * bytes || hex.length() % 2 != 0) {
                    throw new IllegalArgumentException(what + " file " + file + " must hold at least " + 2 * bytes
                            + " hex digits (delete it to have a new one made: what it protects then stops working)");
                }
                try {
                    return new Loaded(HexFormat.of().parseHex(hex), created, loosened);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(what + " file " + file + " is not hex");
                }
            } finally {
                Arrays.fill(text, (byte) 0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the " + what + " file " + file, e);
        }
    }

    /** @return false when another process made it meanwhile (its key wins) */
    private static boolean create(Path file, int bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        boolean posix = Files.getFileAttributeView(dir.getRoot(), PosixFileAttributeView.class) != null;
        if (!Files.isDirectory(dir)) {
            if (posix) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                                PosixFilePermission.OWNER_EXECUTE)));
            } else {
                Files.createDirectories(dir);
            }
        }
        byte[] raw = new byte[bytes];
        new SecureRandom().nextBytes(raw);
        byte[] text = (HexFormat.of().formatHex(raw) + "\n").getBytes(StandardCharsets.US_ASCII);
        Arrays.fill(raw, (byte) 0);
        // A temporary file of its own (two nodes starting on one directory must not delete each
        // other's), owner-only from its creation, synced, then moved into place without replacing.
        Path tmp = posix
                ? Files.createTempFile(dir, file.getFileName() + ".", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                : Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
        try {
            try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(text));
                ch.force(true);
            }
            boolean made;
            try {
                Files.move(tmp, file);
                made = true;
            } catch (FileAlreadyExistsException raced) {
                made = false;
            }
            try (var d = java.nio.channels.FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException notSupported) {
                // Not every file system syncs a directory; the key is written either way.
            }
            return made;
        } finally {
            Files.deleteIfExists(tmp);
            Arrays.fill(text, (byte) 0);
        }
    }

    private static String tightenPermissions(Path file) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return null;
        }
        Set<PosixFilePermission> now = view.readAttributes().permissions();
        if (!OWNER_ONLY.containsAll(now)) {
            view.setPermissions(OWNER_ONLY);
            return PosixFilePermissions.toString(now);
        }
        return null;
    }
}
