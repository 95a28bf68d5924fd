package org.postern.shell.internal;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.postern.api.store.DataDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * No shared default password ships. At start, when {@code etc/users.properties} has no user with
 * the admin role, this creates user {@code admin} with a random password, stores only its SHA-512
 * (Karaf's {@code {CRYPT}} form, as etc/org.apache.karaf.jaas.cfg configures) and hands the
 * password to the operator in {@code postern-data/admin.password}, readable by its owner only.
 * It runs before and apart from the store, so a broken database never locks the operator out.
 */
@Component(immediate = true, service = {})
public class ConsoleAdminBootstrap {
    static final String USER = "admin";
    static final String GROUP_KEY = "_g_:admingroup";
    static final String GROUP_ROLES = "group,admin,manager,viewer,systembundles,ssh";
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleAdminBootstrap.class);

    @Activate
    void activate() {
        String etc = System.getProperty("karaf.etc");
        if (etc == null) {
            LOG.warn("Postern: karaf.etc is not set; not creating a console admin");
            return;
        }
        try {
            ensureAdmin(Paths.get(etc, "users.properties"), DataDirectory.resolve().resolve("admin.password"));
        } catch (IOException | RuntimeException e) {
            LOG.error("Postern: could not create the console admin: {}", e.toString());
        }
    }

    /** @return true when it created the admin */
    static boolean ensureAdmin(Path usersFile, Path passwordFile) throws IOException {
        Properties users = new Properties();
        if (Files.exists(usersFile)) {
            try (Reader r = Files.newBufferedReader(usersFile, StandardCharsets.ISO_8859_1)) {
                users.load(r);
            }
        }
        if (hasAdmin(users)) {
            return false;
        }
        if (users.containsKey(USER)) {
            LOG.warn("Postern: user '{}' exists in {} without the admin role; not touching it", USER, usersFile);
            return false;
        }
        if (heldByAnotherProcess(passwordFile.resolveSibling(NODE_LOCK))) {
            LOG.error("Postern: not creating a console admin: {} belongs to another running node (each node needs "
                    + "a postern.data of its own)", passwordFile.getParent());
            return false;
        }
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);

        Files.createDirectories(passwordFile.getParent());
        Files.deleteIfExists(passwordFile);
        Files.createFile(passwordFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(passwordFile, password + "\n", StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);

        // An existing admingroup that lacks the admin role (an operator's edit) must not leave
        // the new user powerless: then the roles are given to the user directly.
        String existingGroup = users.getProperty(GROUP_KEY);
        boolean groupUsable = existingGroup == null || List.of(existingGroup.split("\\s*,\\s*")).contains("admin");
        String roles = groupUsable ? ",_g_:admingroup" : GROUP_ROLES.substring("group".length());
        StringBuilder lines = new StringBuilder("\n# Created by Postern at first start; the password is in ")
                .append(passwordFile).append('\n')
                .append(USER).append(" = ").append(crypt(password)).append(roles).append('\n');
        if (existingGroup == null) {
            lines.append("_g_\\:admingroup = ").append(GROUP_ROLES).append('\n');
        }
        Files.writeString(usersFile, lines, StandardCharsets.ISO_8859_1, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);

        String message = "Postern: created console user '" + USER + "'; its password is in " + passwordFile
                + " (readable only by its owner)";
        LOG.info(message);
        // The operator starting Postern by hand looks at the console, not the log.
        System.out.println(message);
        return true;
    }

    /** The store's lock on its postern.data (NodeLock in postern-store), held while a node runs. */
    static final String NODE_LOCK = ".node.lock";

    /**
     * Whether another process holds the store's lock on this data directory: then it is another
     * node's, and its admin.password is not ours to replace. This runs before the store (so a
     * broken database never locks the operator out), hence its own look at the lock. Our own
     * store holding it (same JVM) is fine.
     */
    static boolean heldByAnotherProcess(Path lockFile) {
        if (!Files.exists(lockFile)) {
            return false;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            java.nio.channels.FileLock lock = ch.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException ours) {
            return false;
        } catch (IOException e) {
            return false; // cannot tell: the store's own lock will refuse a second node anyway
        }
    }

    /** True when some user has the admin role, directly or through a group. */
    static boolean hasAdmin(Properties users) {
        for (String key : users.stringPropertyNames()) {
            if (key.startsWith("_g_:")) {
                continue;
            }
            String[] fields = users.getProperty(key).split(",");
            for (int i = 1; i < fields.length; i++) {
                String role = fields[i].trim();
                if (role.equals("admin")) {
                    return true;
                }
                if (role.startsWith("_g_:")) {
                    String group = users.getProperty(role, "");
                    for (String groupRole : group.split(",")) {
                        if (groupRole.trim().equals("admin")) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    /** Karaf's BasicEncryption form for SHA-512, hexadecimal: upper-case hex between {CRYPT} markers. */
    static String crypt(String password) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-512").digest(password.getBytes(StandardCharsets.UTF_8));
            return "{CRYPT}" + HexFormat.of().formatHex(digest).toUpperCase(Locale.ROOT) + "{CRYPT}";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 missing from the JDK", e);
        }
    }
}
