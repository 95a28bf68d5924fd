package org.postern.webmail.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.postern.core.config.SecretKeyFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals TOTP secrets for the database: AES-256-GCM under the node key file
 * {@code ${postern.data}/webmail/totp.key} (owner-only, made at first start; every node of a
 * cluster needs the same file), with the account id as associated data, so a sealed secret copied
 * to another account's row does not open. The database alone never gives a secret away.
 */
final class TotpSealer {
    private static final Logger LOG = LoggerFactory.getLogger(TotpSealer.class);
    private static final int KEY_BYTES = 32;
    private static final int IV_BYTES = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final String id;

    TotpSealer(byte[] raw) {
        this.key = new SecretKeySpec(Arrays.copyOf(raw, KEY_BYTES), "AES");
        this.id = fingerprint(raw);
        Arrays.fill(raw, (byte) 0);
    }

    static TotpSealer loadOrCreate(Path file) {
        SecretKeyFile.Loaded loaded = SecretKeyFile.loadOrCreate(file, KEY_BYTES, "TOTP sealing key");
        if (loaded.created()) {
            LOG.info("Postern webmail: made a new TOTP sealing key in {}; copy it to every other node", file);
        }
        if (loaded.loosened() != null) {
            LOG.warn("Postern webmail: {} was readable by others ({}); it is now owner-only", file, loaded.loosened());
        }
        return new TotpSealer(loaded.key());
    }

    /** A name for the key that reveals nothing of it (stored with each sealed secret). */
    String id() {
        return id;
    }

    String seal(byte[] secret, String accountId) {
        try {
            byte[] iv = new byte[IV_BYTES];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            c.updateAAD(accountId.getBytes(StandardCharsets.US_ASCII));
            byte[] sealed = c.doFinal(secret);
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
        }
    }

    /** The secret, or null when it was sealed under another key or for another account. */
    byte[] open(String sealed, String accountId) {
        try {
            byte[] all = Base64.getDecoder().decode(sealed);
            if (all.length <= IV_BYTES + 16) {
                return null;
            }
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, all, 0, IV_BYTES));
            c.updateAAD(accountId.getBytes(StandardCharsets.US_ASCII));
            return c.doFinal(all, IV_BYTES, all.length - IV_BYTES);
        } catch (javax.crypto.AEADBadTagException | IllegalArgumentException wrong) {
            return null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
        }
    }

    /**
     * A keyed hash (HMAC-SHA-256) of a recovery code for the account: a database copy alone cannot
     * test guesses, and one account's hash says nothing of another's.
     */
    String mac(String accountId, String normalized) {
        try {
            javax.crypto.Mac m = javax.crypto.Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            m.update(accountId.getBytes(StandardCharsets.US_ASCII));
            m.update((byte) 0);
            return HexFormat.of().formatHex(m.doFinal(normalized.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    private static String fingerprint(byte[] raw) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("postern totp sealing key id\0".getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(sha.digest(raw)).substring(0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
