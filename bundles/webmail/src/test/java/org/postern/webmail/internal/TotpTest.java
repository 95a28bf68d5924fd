package org.postern.webmail.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.store.TotpRepository;

/** RFC 6238 codes, sealing, and the second factor's rules: once per code, recovery codes once each. */
class TotpTest {
    private static final byte[] RFC_SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void codesMatchTheRfc6238TestVectorsForSha1() {
        // Appendix B, SHA1, the low six of the eight digits
        assertEquals("287082", Totp.code(RFC_SECRET, Totp.step(Instant.ofEpochSecond(59))));
        assertEquals("081804", Totp.code(RFC_SECRET, Totp.step(Instant.ofEpochSecond(1111111109))));
        assertEquals("005924", Totp.code(RFC_SECRET, Totp.step(Instant.ofEpochSecond(1234567890))));
        assertEquals("279037", Totp.code(RFC_SECRET, Totp.step(Instant.ofEpochSecond(2000000000))));
        assertEquals("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", Totp.base32(RFC_SECRET));
        assertEquals("GEZD GNBV", Totp.grouped("GEZDGNBV"));
    }

    @Test
    void aCodeMatchesOneStepEitherSideAndNothingElse() {
        Instant now = Instant.ofEpochSecond(1234567890);
        long step = Totp.step(now);
        assertEquals(step, Totp.matchingStep(RFC_SECRET, Totp.code(RFC_SECRET, step), now));
        assertEquals(step - 1, Totp.matchingStep(RFC_SECRET, Totp.code(RFC_SECRET, step - 1), now));
        assertEquals(step + 1, Totp.matchingStep(RFC_SECRET, Totp.code(RFC_SECRET, step + 1), now));
        assertEquals(-1, Totp.matchingStep(RFC_SECRET, Totp.code(RFC_SECRET, step - 2), now));
        assertEquals(-1, Totp.matchingStep(RFC_SECRET, "12345", now));
        assertEquals(-1, Totp.matchingStep(RFC_SECRET, "12a456", now));
        assertEquals(-1, Totp.matchingStep(RFC_SECRET, null, now));
        String uri = Totp.otpauthUri("Postern Mail", "a b@example.net", RFC_SECRET);
        assertEquals("otpauth://totp/Postern%20Mail:a%20b%40example.net?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                + "&issuer=Postern%20Mail&algorithm=SHA1&digits=6&period=30", uri);
    }

    @Test
    void aSealedSecretOpensOnlyForItsAccountUnderItsKeyAndTheKeyFileIsOwnerOnly() throws Exception {
        Path keyFile = dir.resolve("webmail").resolve("totp.key");
        TotpSealer sealer = TotpSealer.loadOrCreate(keyFile);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        String sealed = sealer.seal(RFC_SECRET, "account-a");
        assertFalse(sealed.contains(Totp.base32(RFC_SECRET)));
        assertArrayEquals(RFC_SECRET, sealer.open(sealed, "account-a"));
        assertArrayEquals(RFC_SECRET, TotpSealer.loadOrCreate(keyFile).open(sealed, "account-a"), "the same file, again");
        assertNull(sealer.open(sealed, "account-b"));
        TotpSealer other = TotpSealer.loadOrCreate(dir.resolve("other.key"));
        assertNull(other.open(sealed, "account-a"));
        assertFalse(other.id().equals(sealer.id()));
        assertNull(sealer.open("not base64!", "account-a"));
    }

    /** The repository's contract in memory: the store's own test runs it on both databases. */
    static final class MemoryTotp implements TotpRepository {
        final Map<String, Factor> factors = new HashMap<>();
        final Map<String, Set<String>> codes = new HashMap<>();

        @Override
        public Optional<Factor> find(String accountId) {
            return Optional.ofNullable(factors.get(accountId));
        }

        @Override
        public void enable(String accountId, String sealedSecret, String keyId, long lastStep, List<String> hashes, Instant now) {
            factors.put(accountId, new Factor(accountId, sealedSecret, keyId, lastStep, now));
            codes.put(accountId, new HashSet<>(hashes));
        }

        @Override
        public boolean disable(String accountId) {
            codes.remove(accountId);
            return factors.remove(accountId) != null;
        }

        @Override
        public boolean useStep(String accountId, long step) {
            Factor f = factors.get(accountId);
            if (f == null || f.lastStep() >= step) {
                return false;
            }
            factors.put(accountId, new Factor(accountId, f.sealedSecret(), f.keyId(), step, f.created()));
            return true;
        }

        @Override
        public boolean useRecoveryCode(String accountId, String codeHash) {
            return codes.getOrDefault(accountId, new HashSet<>()).remove(codeHash);
        }

        @Override
        public int recoveryCodesLeft(String accountId) {
            return codes.getOrDefault(accountId, Set.of()).size();
        }
    }

    @Test
    void enrolmentNeedsARightCodeAndEveryCodeAndRecoveryCodeWorksOnce() {
        MemoryTotp repo = new MemoryTotp();
        Instant t0 = Instant.parse("2026-12-04T07:00:00Z");
        Clock[] clock = {Clock.fixed(t0, ZoneOffset.UTC)};
        SecondFactor f = new SecondFactor(repo, TotpSealer.loadOrCreate(dir.resolve("k")), new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return clock[0].instant();
            }
        });
        byte[] secret = Totp.newSecret();
        assertTrue(f.enable("a", secret, "000000".equals(Totp.code(secret, Totp.step(t0))) ? "111111" : "000000").isEmpty());
        assertFalse(f.enabled("a"));
        List<String> recovery = f.enable("a", secret, Totp.code(secret, Totp.step(t0))).orElseThrow();
        assertEquals(10, recovery.size());
        assertEquals(10, new HashSet<>(recovery).size());
        assertTrue(recovery.get(0).matches("[A-Z2-9]{5}-[A-Z2-9]{5}"), recovery.get(0));
        assertTrue(f.enabled("a"));
        assertFalse(repo.factors.get("a").sealedSecret().contains(Totp.base32(secret)), "never stored in clear");
        assertTrue(repo.codes.get("a").stream().noneMatch(h -> recovery.contains(h)), "recovery codes only as hashes");

        assertFalse(f.verify("a", Totp.code(secret, Totp.step(t0))), "the enrolment's code cannot log in");
        clock[0] = Clock.fixed(t0.plusSeconds(30), ZoneOffset.UTC);
        String next = Totp.code(secret, Totp.step(t0) + 1);
        assertTrue(f.verify("a", next.substring(0, 3) + " " + next.substring(3)), "spaces are ignored");
        assertFalse(f.verify("a", next), "a replay");
        assertFalse(f.verify("b", next), "no factor for another account");

        assertTrue(f.verify("a", recovery.get(3).toLowerCase()));
        assertFalse(f.verify("a", recovery.get(3)), "a recovery code works once");
        assertEquals(9, f.recoveryCodesLeft("a"));
        assertFalse(f.verify("a", "AAAAA-AAAAA"));
        assertFalse(f.verify("a", "x".repeat(100)));

        SecondFactor otherKey = new SecondFactor(repo, TotpSealer.loadOrCreate(dir.resolve("k2")), clock[0]);
        clock[0] = Clock.fixed(t0.plusSeconds(90), ZoneOffset.UTC);
        assertFalse(otherKey.keyMatches("a"));
        assertFalse(otherKey.verify("a", Totp.code(secret, Totp.step(t0) + 3)), "another node's key opens nothing");
        assertTrue(f.disable("a"));
        assertFalse(f.enabled("a"));
        new ArrayList<>(recovery).forEach(c -> assertFalse(f.verify("a", c)));
    }
}
