package org.postern.auth.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppPasswordKeyTest {
    @TempDir
    Path dir;

    @Test
    void madeOnceOwnerOnlyAndTheSameOnEveryLoad() throws Exception {
        Path file = dir.resolve("auth/app-password.key");
        AppPasswordKey first = AppPasswordKey.loadOrCreate(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertTrue(Files.readString(file).strip().matches("[0-9a-f]{64}"));
        AppPasswordKey again = AppPasswordKey.loadOrCreate(file);
        char[] secret = "abcde12345fghij67890klmno".toCharArray();
        assertEquals(first.hash(secret), again.hash(secret));
        assertEquals(first.id(), again.id());
        assertTrue(first.hash(secret).matches("[0-9a-f]{64}"));
    }

    @Test
    void aCopiedKeyFileGivesTheSameHashesAndAnotherKeyDoesNot() throws Exception {
        Path a = dir.resolve("a.key");
        AppPasswordKey one = AppPasswordKey.loadOrCreate(a);
        Path copy = dir.resolve("copy.key");
        Files.copy(a, copy);
        AppPasswordKey two = AppPasswordKey.loadOrCreate(copy);
        AppPasswordKey other = AppPasswordKey.loadOrCreate(dir.resolve("other.key"));
        char[] secret = "abcde12345fghij67890klmno".toCharArray();
        assertEquals(one.hash(secret), two.hash(secret));
        assertNotEquals(one.hash(secret), other.hash(secret));
        assertNotEquals(one.id(), other.id());
    }

    @Test
    void aKeyFileOthersCanReadIsMadeOwnerOnly() throws Exception {
        Path file = dir.resolve("k.key");
        AppPasswordKey.loadOrCreate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        AppPasswordKey.loadOrCreate(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void aShortOrDamagedKeyIsRefused() throws Exception {
        Path shortKey = dir.resolve("short.key");
        Files.writeString(shortKey, "abcd\n");
        assertThrows(IllegalArgumentException.class, () -> AppPasswordKey.loadOrCreate(shortKey));
        Path notHex = dir.resolve("nothex.key");
        Files.writeString(notHex, "z".repeat(64));
        assertThrows(IllegalArgumentException.class, () -> AppPasswordKey.loadOrCreate(notHex));
    }
}
