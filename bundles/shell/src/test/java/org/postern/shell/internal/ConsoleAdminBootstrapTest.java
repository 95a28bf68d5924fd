package org.postern.shell.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleAdminBootstrapTest {
    /** Karaf's stock etc/users.properties: an admin through the admingroup. */
    private static final String KARAF_DEFAULT = "# comment\n"
            + "karaf = karaf,_g_:admingroup\n"
            + "_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n";

    @TempDir
    Path dir;

    private Path users;
    private Path passwordFile;

    @BeforeEach
    void paths() throws IOException {
        // Karaf's etc/ always exists; the data directory may not yet.
        users = Files.createDirectories(dir.resolve("etc")).resolve("users.properties");
        passwordFile = dir.resolve("postern-data/admin.password");
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file, StandardCharsets.ISO_8859_1)));
        return p;
    }

    private static String sha512UpperHex(String s) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-512").digest(s.getBytes(StandardCharsets.UTF_8));
        return String.format("%0128X", new BigInteger(1, d));
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private void writeUsers(String content) throws IOException {
        Files.writeString(users, content, StandardCharsets.ISO_8859_1);
    }

    @Test
    void createsAdminWhoseHashMatchesThePasswordFile() throws Exception {
        assertTrue(ConsoleAdminBootstrap.ensureAdmin(users, passwordFile));

        List<String> lines = Files.readAllLines(passwordFile, StandardCharsets.US_ASCII);
        assertEquals(1, lines.size());
        String password = lines.get(0);
        assertTrue(password.matches("[A-Za-z0-9_-]{32}"), password);

        Properties p = load(users);
        String[] fields = p.getProperty("admin").split(",");
        assertEquals("{CRYPT}" + sha512UpperHex(password) + "{CRYPT}", fields[0].trim());
        assertEquals("_g_:admingroup", fields[1].trim());
        List<String> roles = List.of(p.getProperty("_g_:admingroup").split(","));
        assertTrue(roles.contains("admin"), roles.toString());
        assertTrue(roles.contains("group"), roles.toString());
        assertTrue(ConsoleAdminBootstrap.hasAdmin(p));
    }

    @Test
    void anotherRunningNodesDataDirectoryIsLeftAlone() throws Exception {
        Files.createDirectories(passwordFile.getParent());
        Files.writeString(passwordFile, "the other node's password\n");
        Path lock = passwordFile.resolveSibling(ConsoleAdminBootstrap.NODE_LOCK);
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(), lock.toString())
                .redirectErrorStream(true).start();
        try {
            assertEquals("locked", new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream()))
                    .readLine());
            assertTrue(ConsoleAdminBootstrap.heldByAnotherProcess(lock));
            assertFalse(ConsoleAdminBootstrap.ensureAdmin(users, passwordFile), "no admin made on another's data");
            assertEquals("the other node's password\n", Files.readString(passwordFile));
        } finally {
            other.getOutputStream().close();
            other.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            other.destroyForcibly();
        }
        assertFalse(ConsoleAdminBootstrap.heldByAnotherProcess(lock), "free once that node stopped");
        assertTrue(ConsoleAdminBootstrap.ensureAdmin(users, passwordFile));
    }

    @Test
    void passwordFileIsReadableByItsOwnerOnly() throws Exception {
        ConsoleAdminBootstrap.ensureAdmin(users, passwordFile);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)));
    }

    @Test
    void staleWorldReadablePasswordFileIsReplaced() throws Exception {
        Files.createDirectories(passwordFile.getParent());
        Files.writeString(passwordFile, "old-password-from-a-previous-install\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-r--r--"));

        assertTrue(ConsoleAdminBootstrap.ensureAdmin(users, passwordFile));

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)));
        String password = Files.readString(passwordFile).trim();
        assertNotEquals("old-password-from-a-previous-install", password);
        assertTrue(load(users).getProperty("admin").contains(sha512UpperHex(password)));
    }

    @Test
    void passwordsDifferBetweenInstalls() throws Exception {
        Path otherUsers = Files.createDirectories(dir.resolve("other")).resolve("users.properties");
        Path otherPassword = dir.resolve("other/admin.password");
        ConsoleAdminBootstrap.ensureAdmin(users, passwordFile);
        ConsoleAdminBootstrap.ensureAdmin(otherUsers, otherPassword);
        assertNotEquals(Files.readString(passwordFile), Files.readString(otherPassword));
    }

    @Test
    void groupLineIsWrittenOnceInKarafEscapedForm() throws Exception {
        ConsoleAdminBootstrap.ensureAdmin(users, passwordFile);
        String text = Files.readString(users, StandardCharsets.ISO_8859_1);
        assertEquals(1, count(text, "_g_\\:admingroup = group,admin,"), text);
        assertTrue(text.contains(",_g_:admingroup\n"), text);
    }

    @Test
    void secondCallChangesNothing() throws Exception {
        assertTrue(ConsoleAdminBootstrap.ensureAdmin(users, passwordFile));
        byte[] usersBefore = Files.readAllBytes(users);
        byte[] passwordBefore = Files.readAllBytes(passwordFile);

        assertFalse(ConsoleAdminBootstrap.ensureAdmin(users, passwordFile));

        assertArrayEquals(usersBefore, Files.readAllBytes(users));
        assertArrayEquals(passwordBefore, Files.readAllBytes(passwordFile));
    }

    @Test
    void karafDefaultAdminIsLeftAlone() throws Exception {
        writeUsers(KARAF_DEFAULT);
        assertFalse(ConsoleAdminBootstrap.ensureAdmin(users, passwordFile));
        assertEquals(KARAF_DEFAULT, Files.readString(users, StandardCharsets.ISO_8859_1));
        assertFalse(Files.exists(passwordFile));
    }

    @Test
    void userWithTheAdminRoleDirectlyIsEnough() throws Exception {
        String content = "boss = {CRYPT}ABC{CRYPT},viewer, admin\n";
        writeUsers(content);
        assertFalse(ConsoleAdminBootstrap.ensureAdmin(users, passwordFile));
        assertEquals(content, Files.readString(users, StandardCharsets.ISO_8859_1));
        assertFalse(Files.exists(passwordFile));
    }

    @Test
    void userInAnyGroupContainingAdminIsEnough() throws Exception {
        String content = "ops = secret,_g_:operators\n_g_\\:operators = group,viewer,admin\n";
        writeUsers(content);
        assertFalse(ConsoleAdminBootstrap.ensureAdmin(users, passwordFile));
        assertEquals(content, Files.readString(users, StandardCharsets.ISO_8859_1));
        assertFalse(Files.exists(passwordFile));
    }

    @Test
    void usersWithoutAdminGetOneAddedAndKeepTheirLines() throws Exception {
        // no trailing newline: the appended block must still start on a line of its own
        writeUsers("viewer = secret,viewer,_g_:readers\n_g_\\:readers = group,viewer");
        assertTrue(ConsoleAdminBootstrap.ensureAdmin(users, passwordFile));
        Properties p = load(users);
        assertEquals("secret,viewer,_g_:readers", p.getProperty("viewer"));
        assertEquals("group,viewer", p.getProperty("_g_:readers"));
        assertTrue(p.getProperty("admin").startsWith("{CRYPT}"));
        assertTrue(ConsoleAdminBootstrap.hasAdmin(p));
    }

    @Test
    void existingAdmingroupIsNotRepeated() throws Exception {
        // the group exists but nobody is in it: create the user, reuse the group
        writeUsers("_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n");
        assertTrue(ConsoleAdminBootstrap.ensureAdmin(users, passwordFile));
        String text = Files.readString(users, StandardCharsets.ISO_8859_1);
        assertEquals(1, count(text, "_g_\\:admingroup ="), text);
        assertTrue(ConsoleAdminBootstrap.hasAdmin(load(users)));
    }

    @Test
    void anAdmingroupWithoutTheAdminRoleDoesNotLeaveTheNewAdminPowerless() throws Exception {
        writeUsers("_g_\\:admingroup = group,viewer\n");
        assertTrue(ConsoleAdminBootstrap.ensureAdmin(users, passwordFile));
        assertTrue(ConsoleAdminBootstrap.hasAdmin(load(users)));
        String text = Files.readString(users, StandardCharsets.ISO_8859_1);
        assertEquals(1, count(text, "_g_\\:admingroup ="), text);
    }

    @Test
    void existingNonAdminUserNamedAdminIsNotTouched() throws Exception {
        String content = "admin = secret,viewer\n";
        writeUsers(content);
        assertFalse(ConsoleAdminBootstrap.ensureAdmin(users, passwordFile));
        assertEquals(content, Files.readString(users, StandardCharsets.ISO_8859_1));
        assertFalse(Files.exists(passwordFile));
    }

    @Test
    void hasAdminIgnoresPasswordsAndGroupsNobodyIsIn() {
        Properties p = new Properties();
        p.setProperty("alice", "admin,viewer"); // "admin" is her password here, not a role
        p.setProperty("_g_:admingroup", "group,admin");
        assertFalse(ConsoleAdminBootstrap.hasAdmin(p));
        p.setProperty("bob", "pw,_g_:admingroup");
        assertTrue(ConsoleAdminBootstrap.hasAdmin(p));
    }

    @Test
    void cryptIsUpperCaseHexSha512BetweenMarkers() throws Exception {
        assertEquals("{CRYPT}B109F3BBBC244EB82441917ED06D618B9008DD09B3BEFD1B5E07394C706A8BB9"
                + "80B1D7785E5976EC049B46DF5F1326AF5A2EA6D103FD07C95385FFAB0CACBC86{CRYPT}",
                ConsoleAdminBootstrap.crypt("password"));
        assertEquals("{CRYPT}CF83E1357EEFB8BDF1542850D66D8007D620E4050B5715DC83F4A921D36CE9CE"
                + "47D0D13C5D85F2B0FF8318D2877EEC2F63B931BD47417A81A538327AF927DA3E{CRYPT}",
                ConsoleAdminBootstrap.crypt(""));
        Matcher m = Pattern.compile("\\{CRYPT\\}([0-9A-F]{128})\\{CRYPT\\}").matcher(ConsoleAdminBootstrap.crypt("x"));
        assertTrue(m.matches());
        assertEquals(sha512UpperHex("x"), m.group(1));
    }
}
