package org.postern.store.internal;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Data at rest is for the owner only: files 0600, directories 0700 (DESIGN §3). Message bodies,
 * the database with its password hashes, keys and logs must not be readable by other local
 * users, whatever the umask of whoever started Postern.
 */
final class OwnerOnly {
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private OwnerOnly() {
    }

    /** For {@code Files.createFile}/{@code FileChannel.open}: owner read/write only, or none off POSIX. */
    static FileAttribute<?>[] fileAttribute() {
        return posix() ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
    }

    /** Creates {@code dir} and missing parents as 0700 (existing ones are left to {@link #tighten}). */
    static Path createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null && !Files.exists(parent)) {
            createDirectories(parent);
        }
        try {
            if (posix()) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
                Files.setPosixFilePermissions(dir, DIRECTORY); // the umask may have cut the attribute
            } else {
                Files.createDirectory(dir);
            }
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            // Another thread or node (two nodes share one blob directory) made it meanwhile.
            if (!Files.isDirectory(dir)) {
                throw raced;
            }
        }
        return dir;
    }

    /**
     * Removes every group and other permission under {@code root} (itself included); symbolic
     * links are not followed. Returns the paths that had to be changed.
     */
    static List<Path> tighten(Path root) throws IOException {
        return tighten(root, dir -> false);
    }

    /**
     * Like {@link #tighten(Path)}, but the files inside a directory {@code skipFilesIn} accepts
     * are not visited (the directory itself still is).
     */
    static List<Path> tighten(Path root, java.util.function.Predicate<Path> skipFilesIn) throws IOException {
        List<Path> changed = new ArrayList<>();
        if (!posix() || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return changed;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                restrict(dir, changed);
                return skipFilesIn.test(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    restrict(file, changed);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return changed;
    }

    /** Like {@link #tighten} for one file or directory, when it exists. */
    static boolean restrict(Path path, List<Path> changed) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null || !Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Set<PosixFilePermission> perms = view.readAttributes().permissions();
        if (perms.stream().noneMatch(OTHERS::contains)) {
            return false;
        }
        Set<PosixFilePermission> owner = EnumSet.copyOf(perms);
        owner.removeAll(OTHERS);
        view.setPermissions(owner);
        changed.add(path);
        return true;
    }

    private static boolean posix() {
        return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
