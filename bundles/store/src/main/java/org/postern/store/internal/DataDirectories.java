package org.postern.store.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks that a directory exists (creating it owner-only) and can be written, with one clear
 * message.
 */
final class DataDirectories {
    private DataDirectories() {
    }

    static Path requireWritable(Path dir, String what) {
        try {
            OwnerOnly.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-probe", ".tmp");
            Files.delete(probe);
            return dir;
        } catch (IOException | SecurityException e) {
            throw new IllegalStateException(what + " " + dir + " is not writable (" + e + ")", e);
        }
    }
}
