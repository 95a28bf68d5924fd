package org.postern.accounts.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in the PHC string format ({@code $argon2id$v=19$m=...,t=...,p=...$salt$hash}),
 * the format the reference implementation and libsodium write, so hashes move between systems.
 * Verification reads the parameters from the stored string, so raising the cost later keeps old
 * hashes valid; {@link Outcome#MATCH_OUTDATED} tells the caller to store a fresh hash.
 * <p>
 * Passwords are normalised to Unicode NFC before they are encoded as UTF-8, so the same password
 * typed precomposed or decomposed gives the same hash. At most {@code concurrency} derivations run
 * at once (each holds {@code memoryKiB}); a caller that cannot get a slot within {@code waitMillis}
 * gets a {@link RejectedExecutionException}: a temporary failure, not a wrong password.
 */
final class Argon2idHasher {
    /** OWASP Password Storage Cheat Sheet minimums for Argon2id, enforced on configuration. */
    static final int FLOOR_MEMORY_KIB = 19456;
    static final int FLOOR_ITERATIONS = 2;
    static final int FLOOR_MEMORY_ONE_PASS_KIB = 47104;
    /** Upper bounds for configured and stored parameters: a damaged row must not ask for 95 GiB. */
    static final int MAX_MEMORY_KIB = 4 * 1024 * 1024;
    static final int MAX_ITERATIONS = 100;
    static final int MAX_PARALLELISM = 64;
    static final long DEFAULT_WAIT_MILLIS = 3000;

    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,4}),p=(\\d{1,3})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final int MIN_SALT_BYTES = 8;
    private static final int MIN_HASH_BYTES = 4;
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    /** What a verification found. */
    enum Outcome {
        /** Right password, hash made with the current parameters. */
        MATCH,
        /** Right password, hash made with other parameters: the caller should store a fresh one. */
        MATCH_OUTDATED,
        MISMATCH,
        /** The stored hash cannot be read (damaged row, foreign format): refused after a decoy's work. */
        UNREADABLE;

        boolean matched() {
            return this == MATCH || this == MATCH_OUTDATED;
        }
    }

    private final SecureRandom random = new SecureRandom();
    private final int memoryKiB;
    private final int iterations;
    private final int parallelism;
    private final int concurrency;
    private final long waitMillis;
    private final Semaphore slots;
    /**
     * Verified against when there is no account (or no readable hash), so "no such account" costs
     * what a wrong password costs for an account hashed with the current parameters.
     */
    private final Stored decoy;

    /** One slot per processor, the default wait: for tests and tools. */
    Argon2idHasher(int memoryKiB, int iterations, int parallelism) {
        this(memoryKiB, iterations, parallelism, Runtime.getRuntime().availableProcessors(), DEFAULT_WAIT_MILLIS);
    }

    Argon2idHasher(int memoryKiB, int iterations, int parallelism, int concurrency, long waitMillis) {
        if (!possible(memoryKiB, iterations, parallelism)) {
            throw new IllegalArgumentException("Argon2id needs parallelism 1.." + MAX_PARALLELISM + ", iterations 1.."
                    + MAX_ITERATIONS + ", memory 8 KiB x parallelism .. " + MAX_MEMORY_KIB + " KiB");
        }
        if (concurrency < 1 || waitMillis < 0) {
            throw new IllegalArgumentException("concurrency must be >= 1 and the wait >= 0 ms");
        }
        this.memoryKiB = memoryKiB;
        this.iterations = iterations;
        this.parallelism = parallelism;
        this.concurrency = concurrency;
        this.waitMillis = waitMillis;
        this.slots = new Semaphore(concurrency, true);
        char[] decoyPassword = new char[24];
        for (int i = 0; i < decoyPassword.length; i++) {
            decoyPassword[i] = (char) ('!' + random.nextInt(94));
        }
        this.decoy = Stored.parse(hashNow(decoyPassword));
        Arrays.fill(decoyPassword, '\0');
    }

    /**
     * Why these parameters are below the floor, or {@code null} when they are not: OWASP's
     * minimums, at least 19456 KiB with 2 or more passes, or 47104 KiB with one.
     */
    static String belowFloor(int memoryKiB, int iterations, int parallelism) {
        if (parallelism < 1) {
            return "argon2.parallelism = " + parallelism + " is below 1";
        }
        if (iterations >= FLOOR_ITERATIONS ? memoryKiB >= FLOOR_MEMORY_KIB
                : iterations == 1 && memoryKiB >= FLOOR_MEMORY_ONE_PASS_KIB) {
            return null;
        }
        return "argon2.memory.kib = " + memoryKiB + " with argon2.iterations = " + iterations
                + " is below the Argon2id floor (at least " + FLOOR_MEMORY_KIB + " KiB with " + FLOOR_ITERATIONS
                + " or more iterations, or " + FLOOR_MEMORY_ONE_PASS_KIB + " KiB with 1)";
    }

    private static boolean possible(long memoryKiB, long iterations, long parallelism) {
        return parallelism >= 1 && parallelism <= MAX_PARALLELISM && iterations >= 1 && iterations <= MAX_ITERATIONS
                && memoryKiB >= 8 * parallelism && memoryKiB <= MAX_MEMORY_KIB;
    }

    /** {@code m=...,t=...,p=...} of new hashes. */
    String parameters() {
        return "m=" + memoryKiB + ",t=" + iterations + ",p=" + parallelism;
    }

    /** {@code m=...,t=...,p=...} of the decoy that unknown accounts are verified against. */
    String decoyParameters() {
        return decoy.parameters();
    }

    int concurrency() {
        return concurrency;
    }

    /** The hashing slots, so tests can occupy them. */
    Semaphore slots() {
        return slots;
    }

    /** @throws RejectedExecutionException when no hashing slot came free in time */
    String hash(char[] password) {
        acquire();
        try {
            return hashNow(password);
        } finally {
            slots.release();
        }
    }

    private String hashNow(char[] password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] out = derive(password, salt, memoryKiB, iterations, parallelism, HASH_BYTES);
        return "$argon2id$v=19$" + parameters() + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(out);
    }

    /** Constant-time comparison; a malformed or missing stored hash verifies false after the same work. */
    boolean verify(char[] password, String stored) {
        return check(password, stored).matched();
    }

    /**
     * Verifies {@code password} against {@code stored}. Unreadable hashes cost a decoy
     * verification; a mismatch against a hash cheaper than the current parameters is padded with
     * extra work up to about the current cost, so a failure costs the same whoever the account is.
     *
     * @throws RejectedExecutionException when no hashing slot came free in time
     */
    Outcome check(char[] password, String stored) {
        char[] attempt = password == null ? new char[0] : password;
        acquire();
        try {
            Stored s = Stored.parse(stored);
            if (s == null) {
                spendDecoy(attempt);
                return Outcome.UNREADABLE;
            }
            byte[] actual = derive(attempt, s.salt, s.memoryKiB, s.iterations, s.parallelism, s.hash.length);
            if (!MessageDigest.isEqual(s.hash, actual)) {
                pad(attempt, s);
                return Outcome.MISMATCH;
            }
            return s.memoryKiB == memoryKiB && s.iterations == iterations && s.parallelism == parallelism
                    && s.salt.length >= SALT_BYTES && s.hash.length == HASH_BYTES ? Outcome.MATCH : Outcome.MATCH_OUTDATED;
        } finally {
            slots.release();
        }
    }

    /**
     * Spends the time of one verification with the current parameters and returns false: for
     * unknown, locked and removed accounts.
     *
     * @throws RejectedExecutionException when no hashing slot came free in time
     */
    boolean decoyVerify(char[] password) {
        acquire();
        try {
            spendDecoy(password == null ? new char[0] : password);
            return false;
        } finally {
            slots.release();
        }
    }

    private void spendDecoy(char[] password) {
        MessageDigest.isEqual(decoy.hash,
                derive(password, decoy.salt, decoy.memoryKiB, decoy.iterations, decoy.parallelism, decoy.hash.length));
    }

    private void pad(char[] password, Stored s) {
        int[] extra = padding(s.memoryKiB, s.iterations, memoryKiB, iterations);
        if (extra != null) {
            derive(password, decoy.salt, extra[0], extra[1], 1, MIN_HASH_BYTES);
        }
    }

    /**
     * The {memory KiB, iterations} of an extra derivation that brings a verification with stored
     * parameters up to about the cost of the current ones (Argon2's work is memory x passes;
     * BouncyCastle fills lanes one after another, so parallelism does not shorten it), or
     * {@code null} when the stored hash costs as much or more.
     */
    static int[] padding(int storedMemoryKiB, int storedIterations, int memoryKiB, int iterations) {
        long missing = (long) memoryKiB * iterations - (long) storedMemoryKiB * storedIterations;
        if (missing < 8) {
            return null;
        }
        int passes = (int) ((missing + memoryKiB - 1) / memoryKiB);
        return new int[] {(int) Math.max(8, missing / passes), passes};
    }

    private void acquire() {
        try {
            if (!slots.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                throw new RejectedExecutionException("all " + concurrency
                        + " Argon2id slots stayed busy for " + waitMillis + " ms; try again later");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RejectedExecutionException("interrupted while waiting for an Argon2id slot", e);
        }
    }

    /** Argon2id over the UTF-8 bytes of the NFC form of {@code password}; copies made here are zeroed. */
    static byte[] derive(char[] password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKiB).withIterations(iterations).withParallelism(parallelism)
                .withSalt(salt).build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(params);
        byte[] out = new byte[length];
        CharBuffer chars = CharBuffer.wrap(password);
        // Already NFC (all ASCII passwords are): encode the caller's array as it is. Otherwise the
        // normaliser returns an immutable String; it is the one copy we cannot zero.
        CharSequence nfc = Normalizer.isNormalized(chars, Normalizer.Form.NFC) ? chars
                : Normalizer.normalize(chars, Normalizer.Form.NFC);
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(nfc));
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

    /** A stored hash taken apart, or nothing when it is not one this class could have written. */
    private record Stored(int memoryKiB, int iterations, int parallelism, byte[] salt, byte[] hash) {
        static Stored parse(String text) {
            Matcher m = text == null ? null : PHC.matcher(text);
            if (m == null || !m.matches()) {
                return null;
            }
            try {
                int memory = Integer.parseInt(m.group(1));
                int passes = Integer.parseInt(m.group(2));
                int lanes = Integer.parseInt(m.group(3));
                byte[] salt = B64D.decode(m.group(4));
                byte[] hash = B64D.decode(m.group(5));
                if (!possible(memory, passes, lanes) || salt.length < MIN_SALT_BYTES || hash.length < MIN_HASH_BYTES) {
                    return null;
                }
                return new Stored(memory, passes, lanes, salt, hash);
            } catch (IllegalArgumentException corrupt) {
                return null;
            }
        }

        String parameters() {
            return "m=" + memoryKiB + ",t=" + iterations + ",p=" + parallelism;
        }
    }
}
