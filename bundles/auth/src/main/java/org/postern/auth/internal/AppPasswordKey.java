package org.postern.auth.internal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.postern.core.config.SecretKeyFile;
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
        SecretKeyFile.Loaded loaded = SecretKeyFile.loadOrCreate(file, BYTES, "app password key");
        if (loaded.created()) {
            LOG.info("Postern auth: made a new app password key in {}; copy it to every other node", file);
        }
        if (loaded.loosened() != null) {
            LOG.warn("Postern auth: {} was readable by others ({}); it is now owner-only", file, loaded.loosened());
        }
        return new AppPasswordKey(loaded.key());
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
