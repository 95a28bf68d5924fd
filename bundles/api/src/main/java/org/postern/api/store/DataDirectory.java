package org.postern.api.store;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where all Postern data lives: system property {@code postern.data}, else
 * {@code ${karaf.base}/postern-data}. Never Karaf's {@code data/} cache, which {@code karaf clean}
 * wipes.
 */
public final class DataDirectory {
    /** The system property that names the directory. */
    public static final String PROPERTY = "postern.data";

    private DataDirectory() {
    }

    public static Path resolve() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured).toAbsolutePath().normalize();
        }
        String base = System.getProperty("karaf.base", System.getProperty("user.dir"));
        return Paths.get(base, "postern-data").toAbsolutePath().normalize();
    }
}
