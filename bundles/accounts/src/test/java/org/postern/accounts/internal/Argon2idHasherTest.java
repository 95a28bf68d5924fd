package org.postern.accounts.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class Argon2idHasherTest {
    /*
     * Known-answer vectors from the Argon2 reference implementation, the Debian package
     * "argon2" (0~20171227-0.3+deb12u1), produced with:
     *
     *   echo -n 'password' | argon2 somesaltsomesalt -id -t 2 -m 10 -p 1 -l 32 -e
     *   echo -n 'password' | argon2 somesaltsomesalt -id -t 2 -m 10 -p 1 -l 32      (raw hash in hex)
     *   printf '%s' 'pässwörd' | argon2 saltsalt -id -t 1 -m 6 -p 2 -l 24 -e       (UTF-8 password)
     *
     * (-m is log2 of the memory in KiB: -m 10 = 1024 KiB, -m 6 = 64 KiB.)
     */
    private static final String VECTOR_PASSWORD =
            "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA";
    private static final String VECTOR_PASSWORD_RAW_HEX =
            "08a19ee7f6d7f589c2ab6af18d6e724172b19f7d6fd462b38430ab31ceabeaf0";
    private static final String VECTOR_UTF8 =
            "$argon2id$v=19$m=64,t=1,p=2$c2FsdHNhbHQ$r9xEd6boe629FyEbEWUuEMxkvJ6CWCdx";

    private static final Pattern PHC_64_1_1 =
            Pattern.compile("\\$argon2id\\$v=19\\$m=64,t=1,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");

    private final Argon2idHasher hasher = new Argon2idHasher(64, 1, 1);

    @Test
    void hashIsInPhcFormatWithConfiguredParameters() {
        String h = hasher.hash("correct horse".toCharArray());
        assertTrue(PHC_64_1_1.matcher(h).matches(), h);
        assertFalse(h.contains("correct horse"));
    }

    @Test
    void verifiesTheRightPasswordOnly() {
        String h = hasher.hash("correct horse".toCharArray());
        assertTrue(hasher.verify("correct horse".toCharArray(), h));
        assertFalse(hasher.verify("correct horsE".toCharArray(), h));
        assertFalse(hasher.verify("correct horse ".toCharArray(), h));
        assertFalse(hasher.verify(new char[0], h));
    }

    @Test
    void samePasswordHashesDifferentlyEachTime() {
        String a = hasher.hash("same password".toCharArray());
        String b = hasher.hash("same password".toCharArray());
        assertNotEquals(a, b);
        String saltA = a.split("\\$")[4];
        String saltB = b.split("\\$")[4];
        assertNotEquals(saltA, saltB, "random salt");
        assertTrue(hasher.verify("same password".toCharArray(), a));
        assertTrue(hasher.verify("same password".toCharArray(), b));
    }

    @Test
    void parametersAreReadFromTheStoredHash() {
        // Raising the cost later keeps old hashes valid, and the other way round.
        String cheap = hasher.hash("s3cret pass".toCharArray());
        Argon2idHasher dearer = new Argon2idHasher(256, 2, 2);
        assertTrue(dearer.verify("s3cret pass".toCharArray(), cheap));
        String dear = dearer.hash("s3cret pass".toCharArray());
        assertTrue(dear.startsWith("$argon2id$v=19$m=256,t=2,p=2$"), dear);
        assertTrue(hasher.verify("s3cret pass".toCharArray(), dear));
    }

    @Test
    void acceptsReferenceImplementationVector() {
        assertTrue(hasher.verify("password".toCharArray(), VECTOR_PASSWORD));
        assertFalse(hasher.verify("Password".toCharArray(), VECTOR_PASSWORD));
        assertFalse(hasher.verify("password1".toCharArray(), VECTOR_PASSWORD));
    }

    @Test
    void deriveReproducesReferenceRawHash() {
        byte[] raw = Argon2idHasher.derive("password".toCharArray(),
                "somesaltsomesalt".getBytes(StandardCharsets.US_ASCII), 1024, 2, 1, 32);
        assertArrayEquals(HexFormat.of().parseHex(VECTOR_PASSWORD_RAW_HEX), raw);
    }

    @Test
    void acceptsReferenceVectorWithUtf8PasswordTwoLanesAndShortOutput() {
        assertTrue(hasher.verify("pässwörd".toCharArray(), VECTOR_UTF8));
        assertFalse(hasher.verify("passwörd".toCharArray(), VECTOR_UTF8));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
        "password",
        "{CRYPT}0123{CRYPT}",
        // argon2i and argon2d are not accepted, nor version 16
        "$argon2i$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA",
        "$argon2d$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA",
        "$argon2id$v=16$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA",
        // truncated, and trailing garbage
        "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA",
        "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA$",
        "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA==",
        // well-formed text, impossible content: a corrupted row must refuse, not throw
        "$argon2id$v=19$m=64,t=1,p=1$A$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA",
        "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AA",
        "$argon2id$v=19$m=1024,t=2,p=0$c29tZXNhbHRzb21lc2FsdA$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA",
        "$argon2id$v=19$m=1024,t=0,p=1$c29tZXNhbHRzb21lc2FsdA$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA",
        // a damaged cost must not make the server allocate 95 GiB or loop for ever
        "$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA",
        "$argon2id$v=19$m=1024,t=9999,p=1$c29tZXNhbHRzb21lc2FsdA$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA"})
    void malformedStoredHashVerifiesFalse(String stored) {
        assertFalse(hasher.verify("password".toCharArray(), stored));
        assertEquals(Argon2idHasher.Outcome.UNREADABLE, hasher.check("password".toCharArray(), stored));
    }

    @Test
    void tamperedHashVerifiesFalse() {
        // flip the first hash character (the last one carries padding bits a decoder may ignore)
        String tampered = VECTOR_PASSWORD.replace("$CKGe5", "$DKGe5");
        assertNotEquals(VECTOR_PASSWORD, tampered);
        assertFalse(hasher.verify("password".toCharArray(), tampered));
    }

    @Test
    void decoyVerifyIsAlwaysFalse() {
        assertFalse(hasher.decoyVerify("password".toCharArray()));
        assertFalse(hasher.decoyVerify(new char[0]));
    }

    // ---- issue 6, item 9 ----

    @Test
    void decomposedPasswordVerifiesAgainstPrecomposedAndBack() {
        String precomposed = "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e";
        String decomposed = "cafe\u0301 cre\u0300me bru\u0302le\u0301e";
        assertNotEquals(precomposed, decomposed);
        assertTrue(hasher.verify(decomposed.toCharArray(), hasher.hash(precomposed.toCharArray())));
        assertTrue(hasher.verify(precomposed.toCharArray(), hasher.hash(decomposed.toCharArray())));
        // NFC, not NFKC: compatibility characters stay distinct (the ligature "ﬁ" is not "fi")
        assertFalse(hasher.verify("\ufb01ve fingers".toCharArray(), hasher.hash("five fingers".toCharArray())));
    }

    @Test
    void deriveHashesTheNfcForm() {
        byte[] salt = "somesaltsomesalt".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(Argon2idHasher.derive("\u00e9".toCharArray(), salt, 64, 1, 1, 32),
                Argon2idHasher.derive("e\u0301".toCharArray(), salt, 64, 1, 1, 32));
    }

    @Test
    void checkTellsWhetherTheStoredHashUsesTheCurrentParameters() {
        String cheap = hasher.hash("s3cret pass".toCharArray());
        Argon2idHasher dearer = new Argon2idHasher(256, 2, 1);
        assertEquals(Argon2idHasher.Outcome.MATCH, hasher.check("s3cret pass".toCharArray(), cheap));
        assertEquals(Argon2idHasher.Outcome.MATCH_OUTDATED, dearer.check("s3cret pass".toCharArray(), cheap));
        assertEquals(Argon2idHasher.Outcome.MISMATCH, dearer.check("wrong pass".toCharArray(), cheap));
        // the reference vector has an 8-byte salt and 24-byte output: right password, still outdated
        assertEquals(Argon2idHasher.Outcome.MATCH_OUTDATED, hasher.check("pässwörd".toCharArray(), VECTOR_UTF8));
    }

    @Test
    void decoyHasTheConfiguredParameters() {
        Argon2idHasher h = new Argon2idHasher(128, 3, 2);
        assertEquals("m=128,t=3,p=2", h.parameters());
        assertEquals(h.parameters(), h.decoyParameters());
    }

    @Test
    void floorIsOwaspsMinimum() {
        assertNull(Argon2idHasher.belowFloor(19456, 2, 1));
        assertNull(Argon2idHasher.belowFloor(47104, 1, 1));
        assertNull(Argon2idHasher.belowFloor(65536, 3, 4));
        assertNotNull(Argon2idHasher.belowFloor(19455, 2, 1));
        assertNotNull(Argon2idHasher.belowFloor(19456, 1, 1));
        assertNotNull(Argon2idHasher.belowFloor(47103, 1, 1));
        assertNotNull(Argon2idHasher.belowFloor(64, 1, 1));
        assertNotNull(Argon2idHasher.belowFloor(47104, 2, 0));
    }

    @Test
    void failuresAgainstCheaperHashesArePaddedToTheCurrentCost() {
        int[] pad = Argon2idHasher.padding(64, 1, 19456, 2);
        long missing = 19456L * 2 - 64;
        assertEquals(2, pad[1]);
        assertTrue(Math.abs((long) pad[0] * pad[1] - missing) < pad[1], pad[0] + " x " + pad[1]);
        assertTrue(pad[0] <= 19456, "never more memory than a current hash");
        int[] small = Argon2idHasher.padding(19456, 2, 19456, 3);
        assertEquals(19456, small[0]);
        assertEquals(1, small[1]);
        assertNull(Argon2idHasher.padding(19456, 2, 19456, 2), "same cost");
        assertNull(Argon2idHasher.padding(47104, 1, 19456, 2), "dearer: nothing to add");
    }

    @Test
    void busySlotsFailAsTemporaryFailureInsteadOfWaitingForEver() throws Exception {
        Argon2idHasher h = new Argon2idHasher(64, 1, 1, 1, 20);
        String stored = h.hash("correct horse".toCharArray());
        h.slots().acquire();
        try {
            assertThrows(RejectedExecutionException.class, () -> h.check("correct horse".toCharArray(), stored));
            assertThrows(RejectedExecutionException.class, () -> h.decoyVerify("x".toCharArray()));
            assertThrows(RejectedExecutionException.class, () -> h.hash("correct horse".toCharArray()));
        } finally {
            h.slots().release();
        }
        assertTrue(h.verify("correct horse".toCharArray(), stored));
        assertFalse(h.verify("wrong".toCharArray(), stored));
        assertFalse(h.verify("wrong".toCharArray(), "garbage"));
        assertEquals(1, h.slots().availablePermits(), "every path gives its slot back");
    }

    @Test
    void interruptedWaitIsATemporaryFailureAndKeepsTheInterrupt() throws Exception {
        Argon2idHasher h = new Argon2idHasher(64, 1, 1, 1, 60_000);
        h.slots().acquire();
        try {
            Thread.currentThread().interrupt();
            assertThrows(RejectedExecutionException.class, () -> h.decoyVerify("x".toCharArray()));
            assertTrue(Thread.interrupted(), "interrupt flag restored (and cleared here)");
        } finally {
            h.slots().release();
        }
    }

    @Test
    void refusesParametersArgon2CannotUse() {
        assertThrows(IllegalArgumentException.class, () -> new Argon2idHasher(64, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Argon2idHasher(64, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Argon2idHasher(15, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new Argon2idHasher(64, 1, 1, 0, 100));
    }
}
