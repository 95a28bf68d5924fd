package org.postern.store.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start (once the database has created its files) makes sure that everything under
 * {@code postern.data}, the log directory and the files of {@code etc/} that hold secrets are
 * owner-only, tightens what is not, and says so in one log line: the operator learns that the
 * instance was started with a permissive umask and what was exposed until now.
 */
@Component(service = {}, immediate = true)
public class DataAtRestCheck {
    private static final Logger LOG = LoggerFactory.getLogger(DataAtRestCheck.class);
    /** Files of etc/ that carry password hashes, keys or passwords. */
    static final List<String> SECRET_ETC_FILES = List.of("users.properties", "keys.properties", "host.key");

    @Activate
    public DataAtRestCheck(@Reference Database database) {
        List<Path> roots = new ArrayList<>();
        roots.add(database.dataDirectory());
        String logDir = System.getProperty("karaf.log");
        if (logDir != null) {
            roots.add(Path.of(logDir));
        }
        String etc = System.getProperty("karaf.etc");
        check(roots, etc == null ? null : Path.of(etc));
    }

    /**
     * Written in the data directory after one complete check. Message bodies are created 0600 by
     * this version, so from then on the (possibly millions of) files in the blob fan-out
     * directories are not walked at every start; those directories themselves still are.
     */
    static final String BLOBS_CHECKED = ".blobs-owner-only";

    /** Tightens and reports; returns what had to be changed (tests). */
    static List<Path> check(List<Path> roots, Path etc) {
        List<Path> changed = new ArrayList<>();
        try {
            for (Path root : roots) {
                Path marker = root.resolve(BLOBS_CHECKED);
                boolean blobsChecked = Files.exists(marker, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                Path blobs = root.resolve("blobs");
                changed.addAll(OwnerOnly.tighten(root, dir -> blobsChecked && blobs.equals(dir.getParent())
                        && !dir.getFileName().toString().equals("tmp")));
                if (!blobsChecked && Files.isDirectory(blobs)) {
                    Files.createFile(marker, OwnerOnly.fileAttribute());
                }
            }
            if (etc != null && Files.isDirectory(etc)) {
                for (String name : SECRET_ETC_FILES) {
                    OwnerOnly.restrict(etc.resolve(name), changed);
                }
                try (DirectoryStream<Path> cfgs = Files.newDirectoryStream(etc, "org.postern.*.cfg")) {
                    for (Path cfg : cfgs) {
                        OwnerOnly.restrict(cfg, changed);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("Postern: cannot check that data at rest is owner-only: {}", e.toString());
            return changed;
        }
        if (changed.isEmpty()) {
            LOG.info("Postern: data, logs and secret files are owner-only");
        } else {
            LOG.warn("Postern: {} files and directories were open to other local users and are now owner-only "
                    + "(files 0600, directories 0700), among them {}. Start Postern with umask 077 (bin/setenv does).",
                    changed.size(), changed.subList(0, Math.min(3, changed.size())));
        }
        return changed;
    }
}
