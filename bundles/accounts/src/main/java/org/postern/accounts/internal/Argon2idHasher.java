package org.postern.accounts.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in the PHC string format ({@code $argon2id$v=19$m=...,t=...,p=...$salt$hash}),
 * the format the reference implementation and libsodium write, so hashes move between systems.
 * Verification reads the parameters from the stored string, so raising the cost later keeps old
 * hashes valid.
 */
final class Argon2idHasher {
    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,4}),p=(\\d{1,3})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final int MIN_SALT_BYTES = 8;
    private static final int MIN_HASH_BYTES = 4;
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final SecureRandom random = new SecureRandom();
    private final int memoryKiB;
    private final int iterations;
    private final int parallelism;
    /** Verified against when there is no account, so "no such account" costs as much as a wrong password. */
    private final String decoy;

    Argon2idHasher(int memoryKiB, int iterations, int parallelism) {
        if (parallelism < 1 || iterations < 1 || memoryKiB < 8 * parallelism) {
            throw new IllegalArgumentException("Argon2id needs parallelism >= 1, iterations >= 1, memory >= 8 KiB x parallelism");
        }
        this.memoryKiB = memoryKiB;
        this.iterations = iterations;
        this.parallelism = parallelism;
        byte[] decoyPassword = new byte[16];
        random.nextBytes(decoyPassword);
        this.decoy = hash(new String(B64.encode(decoyPassword), StandardCharsets.US_ASCII).toCharArray());
    }

    String hash(char[] password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] out = derive(password, salt, memoryKiB, iterations, parallelism, HASH_BYTES);
        return "$argon2id$v=19$m=" + memoryKiB + ",t=" + iterations + ",p=" + parallelism + "$"
                + B64.encodeToString(salt) + "$" + B64.encodeToString(out);
    }

    /** Constant-time comparison; a malformed or missing stored hash verifies false after the same work. */
    boolean verify(char[] password, String stored) {
        Matcher m = stored == null ? null : PHC.matcher(stored);
        if (m != null && m.matches()) {
            try {
                byte[] salt = B64D.decode(m.group(4));
                byte[] expected = B64D.decode(m.group(5));
                if (salt.length >= MIN_SALT_BYTES && expected.length >= MIN_HASH_BYTES) {
                    byte[] actual = derive(password, salt, Integer.parseInt(m.group(1)),
                            Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), expected.length);
                    return MessageDigest.isEqual(expected, actual);
                }
            } catch (RuntimeException corrupt) {
                // A damaged hash in the database is a refused login, never an error on the wire.
            }
        }
        if (stored != decoy) {
            verify(password, decoy);
        }
        return false;
    }

    /** Spends the time of one verification and returns false: for unknown users. */
    boolean decoyVerify(char[] password) {
        verify(password, decoy);
        return false;
    }

    static byte[] derive(char[] password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKiB).withIterations(iterations).withParallelism(parallelism)
                .withSalt(salt).build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(params);
        byte[] out = new byte[length];
        java.nio.ByteBuffer encoded = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(password));
        byte[] utf8 = new byte[encoded.remaining()];
        encoded.get(utf8);
        try {
            generator.generateBytes(utf8, out);
        } finally {
            Arrays.fill(utf8, (byte) 0);
            if (encoded.hasArray()) {
                Arrays.fill(encoded.array(), (byte) 0);
            }
        }
        return out;
    }
}
