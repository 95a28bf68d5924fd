package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.Test;
import org.postern.itests.PosternProcess.ClientResult;

/**
 * The distribution from the outside, as an operator meets it: bin/karaf, bin/client -b with
 * commands on stdin, exit statuses, files on disk, a restart, and the start-up failures that
 * must name their cause and delete nothing.
 */
public class DistributionIT {

    @Test
    public void operatorCommandsWorkEndToEndAndDataSurvivesARestart() throws Exception {
        try (PosternProcess postern = PosternProcess.unpack("operator")) {
            long t0 = System.nanoTime();
            postern.start();
            String pw = postern.adminPassword(120);
            ClientResult status = postern.client(pw, "postern:status");
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("BENCH start-to-status: %.1f s%n", seconds);
            assertEquals(status.toString(), 0, status.exit);
            assertTrue(status.output, status.output.contains("schema version: " + PosternProcess.SCHEMA_VERSION));
            assertTrue(status.output, status.output.contains("postern-core"));

            // No shared default: a random admin, its password readable by the owner only, stored hashed.
            Path pwFile = postern.dataDir().resolve("admin.password");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pwFile)));
            assertTrue("at least 128 bits", pw.length() >= 22);
            String users = Files.readString(postern.home.resolve("etc/users.properties"));
            assertFalse("password never in clear in users.properties", users.contains(pw));
            assertTrue(users, users.contains("admin = {CRYPT}"));
            assertTrue(postern.logText().contains("created console user 'admin'"));

            ClientResult setup = postern.client(pw, String.join("\n",
                    "postern:domain-add example.net",
                    "postern:domain-add Example.ORG.",
                    "postern:domain-list",
                    "postern:account-add alice@example.net --password-file " + postern.passwordFile("alice password 1"),
                    "postern:account-add bob@example.org --password-file " + postern.passwordFile("bob password 22"),
                    "postern:account-domain-add alice@example.net shop.alice.example.net",
                    "postern:account-domain-add alice@example.net alice-company.com",
                    "postern:account-passwd bob@example.org --password-file " + postern.passwordFile("bob password 333"),
                    "postern:account-list",
                    "postern:account-show alice@example.net"));
            assertEquals(setup.toString(), 0, setup.exit);
            String out = setup.output;
            assertTrue(out, out.contains("example.net\nexample.org\n"));
            assertTrue(out, out.matches("(?s).*alice@example\\.net\\s+ACTIVE.*"));
            assertTrue(out, out.matches("(?s).*bob@example\\.org\\s+ACTIVE.*"));
            assertTrue(out, out.contains("domain:  shop.alice.example.net (ALIAS_SUBDOMAIN)"));
            assertTrue(out, out.contains("domain:  alice-company.com (CUSTOM)"));

            ClientResult resolved = postern.client(pw, String.join("\n",
                    "postern:resolve Alice@Example.NET",
                    "postern:resolve anything@shop.alice.example.net",
                    "postern:resolve sales@alice-company.com",
                    "postern:resolve nobody@example.net",
                    "postern:resolve alice@other.example.net"));
            assertEquals(resolved.toString(), 0, resolved.exit);
            assertEquals("alice@example.net\nalice@example.net\nalice@example.net\nunknown\nunknown",
                    resolved.output.trim());

            // Bad input: one clear line and a non-zero exit status each.
            expectRefusal(postern, pw, "postern:account-show nobody@example.net", "no account nobody@example.net");
            expectRefusal(postern, pw, "postern:account-passwd nobody@example.net --password-file " + postern.passwordFile("long enough pw"), "no account");
            expectRefusal(postern, pw, "postern:account-add not-an-address --password-file " + postern.passwordFile("long enough pw"), "not a mail address");
            expectRefusal(postern, pw, "postern:resolve not-an-address", "not a mail address");
            expectRefusal(postern, pw, "postern:domain-add 'bad domain'", "not a valid domain name");
            expectRefusal(postern, pw, "postern:domain-add example.net", "exists already");
            expectRefusal(postern, pw, "postern:account-add alice@example.net --password-file " + postern.passwordFile("long enough pw"), "exists already");
            expectRefusal(postern, pw, "postern:account-add carol@elsewhere.com --password-file " + postern.passwordFile("long enough pw"), "not a service domain");
            expectRefusal(postern, pw, "postern:account-add carol@example.net --password-file " + postern.passwordFile("short"), "password too short");
            expectRefusal(postern, pw, "postern:account-add carol@example.net", "no password given");
            expectRefusal(postern, pw, "postern:account-domain-add bob@example.org shop.alice.example.net", "may own only");
            expectRefusal(postern, pw, "postern:account-domain-add bob@example.org alice-company.com", "owned by another account");
            expectRefusal(postern, pw, "postern:account-domain-add nobody@example.net x.example.com", "no account");

            // Removal deletes mail for good: a script must say --force, and without it nothing happens.
            expectRefusal(postern, pw, "postern:account-remove bob@example.org", "add --force in scripts");
            ClientResult kept = postern.client(pw, "postern:resolve bob@example.org");
            assertTrue(kept.output, kept.output.trim().endsWith("bob@example.org"));
            ClientResult removed = postern.client(pw, "postern:account-remove --force bob@example.org\npostern:resolve bob@example.org");
            assertEquals(removed.toString(), 0, removed.exit);
            assertTrue(removed.output, removed.output.trim().endsWith("unknown"));
            expectRefusal(postern, pw, "postern:account-add bob@example.org --password-file " + postern.passwordFile("long enough pw"), "never issued twice");

            postern.stop();
            postern.start();
            ClientResult after = postern.client(pw, String.join("\n",
                    "postern:account-list", "postern:resolve x@alice-company.com", "postern:domain-list"));
            assertEquals(after.toString(), 0, after.exit);
            assertTrue(after.output, after.output.matches("(?s).*alice@example\\.net\\s+ACTIVE.*"));
            assertTrue(after.output, after.output.matches("(?s).*bob@example\\.org\\s+REMOVED.*"));
            assertTrue(after.output, after.output.contains("alice@example.net\nexample.net\nexample.org"));
            assertEquals("the admin is created once", pw, Files.readString(pwFile).trim());
            assertEquals(1, countOccurrences(Files.readString(postern.home.resolve("etc/users.properties")), "admin = {CRYPT}"));
        }
    }

    @Test
    public void aDatabaseInUseByAnotherInstanceIsRefusedAndNothingIsDeleted() throws Exception {
        try (PosternProcess postern = PosternProcess.unpack("in-use")) {
            postern.start();
            String pw = postern.adminPassword(120);
            ClientResult made = postern.client(pw, "postern:domain-add example.net\n"
                    + "postern:account-add keep@example.net --password-file " + postern.passwordFile("keep this account"));
            assertEquals(made.toString(), 0, made.exit);
            postern.stop();

            // Another instance (this JVM) boots the embedded database and holds it.
            Path db = postern.dataDir().resolve("db");
            try (Connection held = DriverManager.getConnection("jdbc:derby:" + db)) {
                postern.start();
                ClientResult status = postern.client(pw, "postern:status");
                assertNotEquals("status fails while the store is down: " + status, 0, status.exit);
                assertTrue(status.output, status.output.contains("store:          NOT RUNNING"));
                ClientResult list = postern.clientWhileDown(pw, "postern:account-list");
                assertNotEquals(0, list.exit);
                assertTrue(list.output, list.output.contains("the accounts service is not running"));
                String log = postern.logText();
                assertTrue(log, log.contains("Postern store not started: database jdbc:derby:" + db
                        + ";create=true is in use by another instance (stop it first)"));
                postern.stop();
            } finally {
                shutdownDerby(db);
            }

            postern.start();
            ClientResult back = postern.client(pw, "postern:resolve keep@example.net");
            assertEquals(back.toString(), 0, back.exit);
            assertEquals("keep@example.net", back.output.trim());
        }
    }

    @Test
    public void anUnwritableDataDirectoryIsNamedAndTheStoreRefusesToStart() throws Exception {
        try (PosternProcess postern = PosternProcess.unpack("unwritable")) {
            // Root ignores permission bits, so make the directory impossible: its parent is a file.
            Path blocker = postern.home.resolve("blocker");
            Files.writeString(blocker, "not a directory");
            Path data = blocker.resolve("postern-data");
            postern.setConfig("system.properties", "postern.data", data.toString());
            // The console admin's password file cannot be written there either; give the test a known admin.
            String pw = "itest-admin-password";
            Files.writeString(postern.home.resolve("etc/users.properties"),
                    "admin = " + sha512Crypt(pw) + ",_g_:admingroup\n"
                            + "_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n");
            postern.start();
            ClientResult status = postern.client(pw, "postern:status");
            assertNotEquals(status.toString(), 0, status.exit);
            assertTrue(status.output, status.output.contains("store:          NOT RUNNING"));
            String log = postern.logText();
            assertTrue(log, log.contains("Postern store not started: data directory " + data + " is not writable"));
            assertTrue(log, log.contains("Postern blob store not started: blob directory " + data.resolve("blobs")
                    + " is not writable"));
            assertEquals("nothing touched the blocker", "not a directory", Files.readString(blocker));
        }
    }

    @Test
    public void aMalformedConfigValueStopsOnlyItsCapabilityUntilFixedInPlace() throws Exception {
        try (PosternProcess postern = PosternProcess.unpack("malformed")) {
            postern.setConfig("org.postern.accounts.cfg", "argon2.iterations", "lots");
            postern.start();
            String pw = postern.adminPassword(120);
            ClientResult list = postern.clientWhileDown(pw, "postern:account-list");
            assertNotEquals(list.toString(), 0, list.exit);
            assertTrue(list.output, list.output.contains("the accounts service is not running"));
            ClientResult status = postern.client(pw, "postern:status");
            assertTrue("the store is unaffected: " + status, status.output.contains("schema version: " + PosternProcess.SCHEMA_VERSION));
            String log = postern.logText();
            assertTrue(log, log.contains("Postern accounts not started: invalid configuration org.postern.accounts: "
                    + "argon2.iterations = 'lots' is not a whole number"));

            // Fixing the file in the running container brings the capability back, no restart.
            postern.setConfig("org.postern.accounts.cfg", "argon2.iterations", "2");
            ClientResult fixed = null;
            for (int i = 0; i < 60; i++) {
                fixed = postern.client(pw, "postern:domain-add example.net");
                if (fixed.exit == 0) {
                    break;
                }
                Thread.sleep(500);
            }
            assertEquals(String.valueOf(fixed), 0, fixed.exit);

            postern.setConfig("org.postern.store.cfg", "blob.fsync", "maybe");
            String blobLog = "Postern blob store not started: invalid configuration org.postern.store: "
                    + "blob.fsync = 'maybe' is not true or false";
            for (int i = 0; i < 60 && !postern.logText().contains(blobLog); i++) {
                Thread.sleep(500);
            }
            assertTrue(postern.tail(), postern.logText().contains(blobLog));
        }
    }

    private static void expectRefusal(PosternProcess postern, String pw, String command, String message)
            throws Exception {
        ClientResult r = postern.client(pw, command);
        assertNotEquals(command + " must fail: " + r, 0, r.exit);
        String line = r.output.trim();
        assertTrue(command + " -> " + r, line.startsWith("Error executing command: ") && line.contains(message));
        assertEquals("one line: " + r, 1, line.lines().count());
    }

    private static void shutdownDerby(Path db) {
        try {
            DriverManager.getConnection("jdbc:derby:" + db + ";shutdown=true").close();
        } catch (SQLException expected) {
            // 08006 is Derby's "database shut down"
        }
    }

    private static String sha512Crypt(String pw) throws Exception {
        byte[] d = java.security.MessageDigest.getInstance("SHA-512").digest(pw.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return "{CRYPT}" + java.util.HexFormat.of().formatHex(d).toUpperCase() + "{CRYPT}";
    }

    private static int countOccurrences(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
