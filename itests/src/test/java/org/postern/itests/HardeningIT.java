package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.postern.itests.PosternProcess.ClientResult;

/**
 * The hardening findings, probed from outside one running distribution as an attacker and an
 * operator would: TLS failures that used to lock an address out, passwords in logs, files other
 * local users could read, overlong input that failed for ever, the console's reach, and
 * capabilities that could not be redeployed one by one.
 */
public class HardeningIT {
    private static final String CANARY = "Canary-Pw-" + Long.toHexString(System.nanoTime());
    private static PosternProcess postern;
    private static String pw;

    @BeforeClass
    public static void start() throws Exception {
        postern = PosternProcess.unpack("hardening");
        // A read-only console user, as the ACL's comment tells operators to add one.
        Files.writeString(postern.home.resolve("etc/users.properties"),
                "support = support-password-1,viewer,ssh\n", java.nio.file.StandardOpenOption.APPEND);
        postern.start();
        pw = postern.adminPassword(180);
        ClientResult r = postern.client(pw, String.join("\n",
                "postern:domain-add example.net",
                "postern:account-add alice@example.net --password-file " + postern.passwordFile(CANARY + "-alice"),
                "postern:account-add bob@example.net --password-file " + postern.passwordFile(CANARY + "-bob"),
                "postern:account-passwd bob@example.net --password-file " + postern.passwordFile(CANARY + "-bob2")));
        assertEquals(r.toString(), 0, r.exit);
    }

    @AfterClass
    public static void stop() throws Exception {
        if (postern != null) {
            postern.close();
        }
    }

    private static String deliver(String rcpt) throws IOException {
        try (SmtpWire w = new SmtpWire(postern.smtpPort)) {
            String greeting = w.reply();
            if (!greeting.startsWith("220 ")) {
                return greeting;
            }
            w.command("EHLO client.example.org");
            w.command("MAIL FROM:<friend@origin.example>");
            String r = w.command("RCPT TO:<" + rcpt + ">");
            if (!r.startsWith("250")) {
                return r;
            }
            w.command("DATA");
            return w.command("Subject: hello\r\n\r\nHello.\r\n.");
        }
    }

    // ---- 1. TLS failures must not lock an address out ----

    @Test
    public void fiftyFailedTlsHandshakesFromOneAddressThenMailIsDelivered() throws Exception {
        for (int i = 0; i < 50; i++) {
            if (i % 2 == 0) {
                // An old MTA: TLS 1.1 only, refused by the server with a protocol_version alert.
                List<String> out = PosternProcess.runAllowingFailure(List.of("openssl", "s_client", "-starttls", "smtp",
                        "-connect", "127.0.0.1:" + postern.smtpPort, "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"), 30);
                String text = String.join("\n", out).toLowerCase();
                assertTrue(text, text.contains("alert") || text.contains("error"));
                assertFalse(text, text.contains("new, tlsv1.1"));
            } else {
                try (SmtpWire w = new SmtpWire(postern.smtpPort)) {
                    w.reply();
                    w.command("EHLO client.example.org");
                    assertEquals("220 2.0.0 Ready to start TLS", w.command("STARTTLS"));
                    w.send("this is no ClientHello\r\n");
                    w.drain();
                }
            }
        }
        String result = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            result = deliver("alice@example.net");
            if (result.startsWith("250")) {
                break;
            }
            Thread.sleep(200);
        }
        assertTrue("after 50 failed handshakes mail still goes through: " + result, result.startsWith("250 2.0.0 Ok"));
    }

    // ---- 1. No secret in a log, a thread name or a world-readable file ----

    @Test
    public void noPasswordReachesAnyLogAndLogsAreOwnerOnly() throws Exception {
        ClientResult refused = postern.client(pw, "postern:account-add carol@example.net --password '" + CANARY + "-cli'");
        assertNotEquals(refused.toString(), 0, refused.exit);
        assertTrue(refused.output, refused.output.contains("--password is not accepted"));
        ClientResult noFile = postern.client(pw, "postern:account-add carol@example.net --password-file /nonexistent/pw.txt");
        assertNotEquals(noFile.toString(), 0, noFile.exit);
        Path open = postern.home.resolve("secrets/world-readable.txt");
        Files.writeString(open, CANARY + "-open\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        ClientResult readable = postern.client(pw, "postern:account-add carol@example.net --password-file " + open);
        assertTrue(readable.output, readable.output.contains("is readable by other users"));

        List<Path> searched = new ArrayList<>();
        for (Path root : List.of(postern.home.resolve("data/log"), postern.home.resolve("console.out"),
                postern.dataDir(), postern.home.resolve("etc"))) {
            if (!Files.exists(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    searched.add(f);
                    String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                    assertFalse("a password in " + f, text.contains(CANARY));
                }
            }
        }
        assertTrue("karaf.log was searched: " + searched, searched.contains(postern.log()));
        assertTrue("the scripted commands were logged at all", postern.logText().contains("account alice@example.net created")
                || postern.logText().contains("Postern: account alice@example.net created"));
        // Thread names: no Karaf thread carries a command's arguments once the command has run.
        for (Path comm : threadNames(postern.pid())) {
            assertFalse(comm.toString(), Files.readString(comm).contains("Canary"));
        }
        assertOwnerOnly(postern.log());
        assertOwnerOnly(postern.home.resolve("data/log"));
    }

    private static List<Path> threadNames(long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            return tasks.map(t -> t.resolve("comm")).filter(Files::exists).toList();
        }
    }

    private static void assertOwnerOnly(Path p) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
        assertEquals(p + " is " + PosixFilePermissions.toString(perms),
                Files.isDirectory(p) ? "rwx------" : "rw-------", PosixFilePermissions.toString(perms));
    }

    // ---- 5. Data at rest ----

    @Test
    public void everythingUnderPosternDataTheLogsAndSecretEtcFilesIsOwnerOnly() throws Exception {
        assertEquals("mail delivered, so there are bodies on disk", "250 2.0.0 Ok",
                deliver("bob@example.net").substring(0, 12));
        List<Path> all = new ArrayList<>();
        try (Stream<Path> data = Files.walk(postern.dataDir()); Stream<Path> logs = Files.walk(postern.home.resolve("data/log"))) {
            all.addAll(data.toList());
            all.addAll(logs.toList());
        }
        Path blobs = postern.dataDir().resolve("blobs");
        assertTrue("message bodies are among them", all.stream().anyMatch(p -> p.startsWith(blobs)
                && Files.isRegularFile(p) && !p.startsWith(blobs.resolve("tmp"))));
        for (Path p : all) {
            if (!Files.isSymbolicLink(p)) {
                assertOwnerOnly(p);
            }
        }
        for (String secret : List.of("users.properties", "host.key", "org.postern.store.cfg", "org.postern.smtp.cfg")) {
            Path f = postern.home.resolve("etc").resolve(secret);
            if (Files.exists(f)) {
                assertOwnerOnly(f);
            }
        }
    }

    // ---- 3. Overlong input gets a permanent, protocol-correct refusal ----

    @Test
    public void overlongSenderAndEhloGetA501NotA451ForEver() throws Exception {
        try (SmtpWire w = new SmtpWire(postern.smtpPort)) {
            w.reply();
            assertTrue(w.command("EHLO " + "h".repeat(300) + ".example").startsWith("501 5.5.2"));
            w.command("EHLO client.example.org");
            assertTrue(w.command("MAIL FROM:<" + "x".repeat(400) + "@origin.example>").startsWith("501 5.1.7"));
            assertTrue(w.command("MAIL FROM:<\"x\"@evil.example>").startsWith("501 5.1.7"));
            assertTrue(w.command("MAIL FROM:<" + "x".repeat(64) + "@origin.example>").startsWith("250"));
            assertTrue(w.command("RCPT TO:<alice@example.net>").startsWith("250"));
            w.command("DATA");
            assertTrue(w.command("Subject: long sender\r\n\r\nok\r\n.").startsWith("250 2.0.0 Ok"));
        }
    }

    // ---- 11. Console ----

    @Test
    public void sftpIsOffAndAViewerReadsButCannotChangeOrRemove() throws Exception {
        Path askpass = postern.home.resolve("secrets/askpass.sh");
        Files.writeString(askpass, "#!/bin/sh\ncat '" + postern.passwordFile(pw) + "'\n");
        Files.setPosixFilePermissions(askpass, PosixFilePermissions.fromString("rwx------"));
        List<String> ssh = List.of("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "BatchMode=no");
        List<String> viaSsh = new ArrayList<>(List.of("setsid", "-w", "ssh", "-p", String.valueOf(postern.sshPort)));
        viaSsh.addAll(ssh);
        viaSsh.addAll(List.of("admin@127.0.0.1", "postern:domain-list"));
        PosternProcess.Ran viaSshRan = PosternProcess.runWithAskpass(viaSsh, askpass, 60);
        assertEquals("the same login works over ssh (so the sftp probe below can fail): " + viaSshRan, 0, viaSshRan.exit());
        assertTrue(viaSshRan.output(), viaSshRan.output().contains("example.net"));
        List<String> sftp = new ArrayList<>(List.of("setsid", "-w", "sftp", "-P", String.valueOf(postern.sshPort)));
        sftp.addAll(ssh);
        sftp.addAll(List.of("-b", "-", "admin@127.0.0.1"));
        PosternProcess.Ran sftpRan = PosternProcess.runWithAskpass(sftp, askpass, 60);
        assertNotEquals("sftp must be refused: " + sftpRan, 0, sftpRan.exit());

        ClientResult read = postern.clientAs("support", "support-password-1",
                "postern:account-list\npostern:catchall-mode alice@example.net", 90);
        assertEquals(read.toString(), 0, read.exit);
        assertTrue(read.output, read.output.contains("alice@example.net"));
        for (String change : List.of("postern:domain-add evil.example", "postern:account-remove --force alice@example.net",
                "postern:catchall-mode alice@example.net whitelist",
                "postern:catchall-mode alice@example.net wh\u0131telist", // dotless i: Unicode case folding
                "postern:block-add alice@example.net spam@x.example",
                // commands of scopes without a postern ACL need admin too (compulsory roles)
                "shell:cat postern-data/admin.password", "config:list", "feature:repo-add file:/nonexistent.xml")) {
            // No retry: "Command not found" is the ACL hiding the command, not a console still starting.
            ClientResult denied = postern.clientAs("support", "support-password-1", change, 0);
            assertNotEquals(change + ": " + denied, 0, denied.exit);
        }
        assertEquals("250 2.0.0 Ok", deliver("alice@example.net").substring(0, 12));
        ClientResult mode = postern.client(pw, "postern:catchall-mode alice@example.net");
        assertTrue(mode.output, mode.output.toLowerCase().contains("block"));
    }

    // ---- 2. One TLS identity, replaced without rebinding ----

    private static String starttlsSubject() throws Exception {
        List<String> out = PosternProcess.runAllowingFailure(List.of("openssl", "s_client", "-starttls", "smtp",
                "-connect", "127.0.0.1:" + postern.smtpPort, "-servername", "mx.postern.test"), 30);
        return out.stream().filter(l -> l.startsWith("subject=")).findFirst().orElse(String.join("\n", out));
    }

    @Test
    public void aNewKeystoreInOrgPosternTlsServesNewSessionsWhileALiveOneGoesOn() throws Exception {
        assertTrue(starttlsSubject(), starttlsSubject().contains("mx.postern.test"));
        Path p12 = postern.home.resolve("secrets/renewed.p12");
        PosternProcess.runAllowingFailure(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "mx", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=renewed.postern.test",
                "-validity", "30", "-storetype", "PKCS12", "-keystore", p12.toString(),
                "-storepass", "renewal-pw", "-keypass", "renewal-pw"), 60);
        try (SmtpWire live = new SmtpWire(postern.smtpPort)) {
            live.reply();
            assertTrue(live.command("EHLO before.example.org").startsWith("250"));
            postern.setConfig("org.postern.tls.cfg", "keystore", p12.toString());
            postern.setConfig("org.postern.tls.cfg", ".keystore.password", "renewal-pw");
            String subject = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                subject = starttlsSubject();
                if (subject.contains("renewed.postern.test")) {
                    break;
                }
                Thread.sleep(500);
            }
            assertTrue("new sessions get the new certificate: " + subject, subject.contains("renewed.postern.test"));
            assertTrue("the session opened before goes on", live.command("MAIL FROM:<a@origin.example>").startsWith("250"));
            assertTrue(live.command("RCPT TO:<alice@example.net>").startsWith("250"));
        } finally {
            postern.setConfig("org.postern.tls.cfg", "keystore", "");
            postern.setConfig("org.postern.tls.cfg", ".keystore.password", "");
        }
        assertFalse("the keystore password is not logged", postern.logText().contains("renewal-pw"));
    }

    // ---- 12. Each capability feature on its own ----

    @Test
    public void eachCapabilityFeatureUninstallsAndReinstallsWhileTheOthersServe() throws Exception {
        for (String feature : List.of("postern-smtp", "postern-policy", "postern-mailstore", "postern-protocol")) {
            ClientResult out = postern.client(pw, "feature:uninstall " + feature);
            assertEquals(feature + ": " + out, 0, out.exit);
            ClientResult status = postern.client(pw, "postern:status\npostern:resolve alice@example.net");
            assertTrue(feature + " gone, the console and store serve: " + status,
                    status.output.trim().endsWith("alice@example.net"));
            ClientResult back = postern.client(pw, "feature:install " + feature);
            assertEquals(feature + ": " + back, 0, back.exit);
            String result = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                try {
                    result = deliver("alice@example.net");
                } catch (IOException notYet) {
                    result = notYet.toString();
                }
                if (result.startsWith("250")) {
                    break;
                }
                Thread.sleep(250);
            }
            assertTrue(feature + " reinstalled, mail flows again: " + result, result.startsWith("250 2.0.0 Ok"));
        }
        ClientResult boxes = postern.client(pw, "postern:mailbox-list alice@example.net");
        assertTrue("data intact: " + boxes, PosternProcess.inbox(boxes.output).startsWith("INBOX "));
    }
}
