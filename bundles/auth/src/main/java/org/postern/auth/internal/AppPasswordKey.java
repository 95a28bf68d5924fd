package org.postern.auth.internal;

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
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key of the app passwords' HMAC-SHA-256: 32 random bytes, kept as 64 hex digits in a file
 * readable by its owner only. Made at first start when missing. Every node of a cluster needs the
 * same file (like the TLS certificate): a hash made with one key never matches under another.
 */
final class AppPasswordKey {
    private static final Logger LOG = LoggerFactory.getLogger(AppPasswordKey.class);
    static final int BYTES = 32;
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private final SecretKeySpec key;
    private final String id;

    AppPasswordKey(byte[] raw) {
        if (raw.length < BYTES) {
            throw new IllegalArgumentException("an app password key needs at least " + BYTES + " bytes");
        }
        this.key = new SecretKeySpec(raw, "HmacSHA256");
        this.id = fingerprint(raw);
        Arrays.fill(raw, (byte) 0);
    }

    /** Reads the key file, making it first when it does not exist. */
    static AppPasswordKey loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                create(file);
            }
            tightenPermissions(file);
            byte[] text = Files.readAllBytes(file);
            try {
                String hex = new String(text, StandardCharsets.US_ASCII).strip();
                if (hex.length() < 2 * BYTES || hex.length() % 2 != 0) {
                    throw new IllegalArgumentException("app password key file " + file + " must hold at least "
                            + 2 * BYTES + " hex digits (delete it to have a new one made: every app password then stops working)");
                }
                byte[] raw;
                try {
                    raw = HexFormat.of().parseHex(hex);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("app password key file " + file + " is not hex");
                }
                return new AppPasswordKey(raw);
            } finally {
                Arrays.fill(text, (byte) 0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the app password key file " + file, e);
        }
    }

    private static void create(Path file) throws IOException {
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
        byte[] raw = new byte[BYTES];
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
            try {
                Files.move(tmp, file);
                LOG.info("Postern auth: made a new app password key in {}; copy it to every other node", file);
            } catch (FileAlreadyExistsException raced) {
                // Another process made it meanwhile: its key wins.
            }
            try (var d = java.nio.channels.FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException notSupported) {
                // Not every file system syncs a directory; the key is written either way.
            }
        } finally {
            Files.deleteIfExists(tmp);
            Arrays.fill(text, (byte) 0);
        }
    }

    private static void tightenPermissions(Path file) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> now = view.readAttributes().permissions();
        if (!OWNER_ONLY.containsAll(now)) {
            view.setPermissions(OWNER_ONLY);
            LOG.warn("Postern auth: {} was readable by others ({}); it is now owner-only", file,
                    PosixFilePermissions.toString(now));
        }
    }

    /** A name for the key that reveals nothing of it (stored with each hash). */
    String id() {
        return id;
    }

    /** Lowercase hex HMAC-SHA-256 of a normalised secret. */
    String hash(char[] normalized) {
        byte[] ascii = new byte[normalized.length];
        for (int i = 0; i < normalized.length; i++) {
            ascii[i] = (byte) normalized[i];
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal(ascii));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        } finally {
            Arrays.fill(ascii, (byte) 0);
        }
    }

    private static String fingerprint(byte[] raw) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("postern app password key id\0".getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(sha.digest(raw)).substring(0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
