package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.postern.itests.PosternProcess.ClientResult;

/**
 * Mail access over POP3 from outside, against one started distribution: a message sent with swaks
 * to the MX is read with an app password by Angus Mail over POP3S and by Debian's fetchmail, both
 * checked byte for byte and deleted for good; and the DESIGN section 5 matrix (bridge mode, scopes,
 * networks, deletion, lock, rate limit, cutover), every refusal the same reply.
 */
public class Pop3IT {
    private static PosternProcess postern;
    private static String admin;

    @BeforeClass
    public static void start() throws Exception {
        postern = PosternProcess.unpack("pop3");
        // Every test here logs in from 127.0.0.1: a per-address budget that the whole class
        // could exhaust would make later tests fail for the wrong reason (the unit tests cover it).
        postern.setConfig("org.postern.auth.cfg", "failures.per.address", "100000");
        // No account-wide delays: the matrix refuses one account many times on purpose, and the
        // delays have their unit test (AuthServiceTest).
        postern.setConfig("org.postern.auth.cfg", "account.delay.after", "100000");
        postern.start();
        admin = postern.adminPassword(120);
        ok("postern:domain-add example.net");
        awaitPop3();
    }

    @AfterClass
    public static void stop() throws Exception {
        if (postern != null) {
            postern.close();
        }
    }

    private static String ok(String commands) throws Exception {
        ClientResult r = postern.client(admin, commands);
        assertEquals(r.toString(), 0, r.exit);
        return r.output;
    }

    /** A fresh account (its own name per test) with the given account password. */
    private static String account(String password) throws Exception {
        String address = "u" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "@example.net";
        ok("postern:account-add " + address + " --password-file " + postern.passwordFile(password));
        return address;
    }

    private static String appPassword(String account, String name, String options) throws Exception {
        String out = PosternProcess.stripAnsi(ok("postern:app-password-create " + account + " --name " + name + " " + options));
        String[] lines = out.strip().split("\\R");
        String secret = lines[lines.length - 1].strip();
        assertTrue(out, secret.matches("[a-z0-9]{5}(-[a-z0-9]{5}){4}"));
        return secret;
    }

    private static void awaitPop3() throws Exception {
        Pop3Wire.awaitListening(postern.pop3Port, 120, postern);
    }

    /**
     * A message with unique text, without its last CRLF: swaks ends the data with CRLF "." CRLF
     * itself (a file ending in CRLF would gain an empty line). What the MX receives is this plus CRLF.
     */
    private static String message(String to, String marker) {
        return "From: sender@origin.example\r\nTo: " + to + "\r\nSubject: pop3 test " + marker
                + "\r\nMessage-ID: <" + marker + "@origin.example>\r\n\r\nHello " + marker + ".\r\n"
                + ".leading dot stays\r\nlast line";
    }

    private static void swaks(String to, String data) throws Exception {
        Path file = Files.createTempFile(postern.home, "msg", ".eml");
        Files.writeString(file, data);
        Process p = new ProcessBuilder("swaks", "--server", "127.0.0.1:" + postern.smtpPort, "--to", to, "--from",
                "sender@origin.example", "--helo", "client.example.org", "--data", file.toString(), "--timeout", "20")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(out, p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(out, 0, p.exitValue());
        assertTrue(out, out.contains("250 2.0.0 Ok: queued as"));
    }

    private static boolean blobsContain(String text) throws IOException {
        try (Stream<Path> files = Files.walk(postern.blobDir())) {
            return files.filter(Files::isRegularFile).anyMatch(f -> {
                try {
                    return Files.readString(f, StandardCharsets.ISO_8859_1).contains(text);
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    private static void awaitBlobsGone(String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (blobsContain(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the body of a deleted message is still on disk");
            }
            Thread.sleep(200);
        }
    }

    private static Store pop3s(String user, String password) throws Exception {
        Properties p = new Properties();
        p.put("mail.pop3s.host", "127.0.0.1");
        p.put("mail.pop3s.port", String.valueOf(postern.pop3sPort));
        p.put("mail.pop3s.ssl.trust", "*");
        // The self-signed certificate names mx.postern.test, not 127.0.0.1.
        p.put("mail.pop3s.ssl.checkserveridentity", "false");
        p.put("mail.pop3s.connectiontimeout", "20000");
        p.put("mail.pop3s.timeout", "60000");
        Store store = Session.getInstance(p).getStore("pop3s");
        store.connect(user, password);
        return store;
    }

    @Test
    public void mailSentToTheMxIsReadOverPop3sWithAnAppPasswordByteForByteAndDeletedForGood() throws Exception {
        String alice = account("alice account password 1");
        String secret = appPassword(alice, "laptop", "--protocols pop3");
        String marker = "m" + UUID.randomUUID().toString().replace("-", "");
        String data = message(alice, marker);
        swaks(alice, data);
        String sent = data + "\r\n";

        Store store = pop3s(alice, secret);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertEquals(1, inbox.getMessageCount());
            Message m = inbox.getMessage(1);
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            m.writeTo(raw);
            String got = raw.toString(StandardCharsets.ISO_8859_1);
            assertTrue("Postern's trace header first: " + got, got.startsWith("Received: from client.example.org"));
            assertTrue("the message as sent, byte for byte, after the trace header:\n" + got, got.endsWith(sent));
            m.setFlag(jakarta.mail.Flags.Flag.DELETED, true);
            inbox.close(true);
        } finally {
            store.close();
        }
        Store again = pop3s(alice, secret.toUpperCase().replace("-", " "));
        try {
            Folder inbox = again.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertEquals("DELE + QUIT deleted it", 0, inbox.getMessageCount());
            inbox.close(false);
        } finally {
            again.close();
        }
        awaitBlobsGone(marker);
        assertEquals("INBOX 0", PosternProcess.inbox(ok("postern:mailbox-list " + alice)));
    }

    @Test
    public void fetchmailFetchesEveryMessageOverPop3sByteForByteAndDeletesThem() throws Exception {
        String bob = account("bob account password 22");
        String secret = appPassword(bob, "fetchmail", "--protocols pop3 --cidr 127.0.0.0/8");
        List<String> sent = new ArrayList<>();
        List<String> markers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String marker = "f" + i + UUID.randomUUID().toString().replace("-", "");
            markers.add(marker);
            String data = message(bob, marker);
            sent.add(data + "\r\n");
            swaks(bob, data);
        }
        Path dir = Files.createTempDirectory(postern.home, "fetchmail");
        Path out = Files.createDirectory(dir.resolve("out"));
        Path mda = dir.resolve("save.sh");
        Files.writeString(mda, "#!/bin/sh\nexec cat > \"$(mktemp " + out + "/msg.XXXXXXXX)\"\n");
        Files.setPosixFilePermissions(mda, PosixFilePermissions.fromString("rwx------"));
        Path rc = dir.resolve("fetchmailrc");
        Files.createFile(rc, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(rc, "set no bouncemail\n"
                + "poll 127.0.0.1 with proto POP3 service " + postern.pop3sPort + " auth password\n"
                + "  user \"" + bob + "\" there with password \"" + secret + "\"\n"
                + "  options ssl no sslcertck nokeep fetchall mda \"" + mda + "\"\n");
        ProcessBuilder pb = new ProcessBuilder("fetchmail", "-f", rc.toString(), "-v", "--nodetach", "--nosyslog",
                "--pidfile", dir.resolve("fetchmail.pid").toString(), "--idfile", dir.resolve("fetchids").toString())
                .redirectErrorStream(true);
        pb.environment().put("HOME", dir.toString());
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(log, p.waitFor(120, TimeUnit.SECONDS));
        assertEquals("fetchmail exit status (0: mail retrieved):\n" + log, 0, p.exitValue());
        assertFalse("the secret never appears in fetchmail's verbose log", log.contains(secret));

        List<String> got = new ArrayList<>();
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                got.add(Files.readString(f, StandardCharsets.ISO_8859_1));
            }
        }
        assertEquals(log, 3, got.size());
        for (String data : sent) {
            // fetchmail hands its MDA LF line ends: the message as sent, line for line and byte
            // for byte within each line, after fetchmail's and Postern's trace headers.
            String lf = data.replace("\r\n", "\n");
            assertTrue("fetched exactly as sent:\n" + lf + "\nin:\n" + got,
                    got.stream().anyMatch(g -> g.endsWith(lf) && g.contains("Received: from client.example.org")));
        }
        for (String marker : markers) {
            awaitBlobsGone(marker);
        }
        assertEquals("INBOX 0", PosternProcess.inbox(ok("postern:mailbox-list " + bob)));
    }

    // ---- the auth matrix, on the wire ----

    private static String passReply(String user, String password) throws Exception {
        try (Pop3Wire c = new Pop3Wire(postern.pop3Port)) {
            return c.userPass(user, password);
        }
    }

    private static String plainReply(String user, String password) throws Exception {
        try (Pop3Wire c = new Pop3Wire(postern.pop3Port)) {
            return c.authPlain(user, password);
        }
    }

    @Test
    public void theAuthMatrixRefusesEveryCaseWithTheSameReply() throws Exception {
        String pw = "carol account password 333";
        String carol = account(pw);
        // Bridge mode: no app password yet, no cutover: the account password opens POP3.
        assertTrue(passReply(carol, pw).startsWith("+OK"));
        assertTrue(plainReply(carol, pw).startsWith("+OK"));
        String reference = passReply(carol, "a wrong password");
        assertTrue(reference, reference.startsWith("-ERR"));
        assertTrue("RFC 3206 response code: " + reference, reference.startsWith("-ERR [AUTH]"));

        String pop3 = appPassword(carol, "phone", "--protocols pop3");
        String imapOnly = appPassword(carol, "tablet", "--protocols imap");
        String elsewhere = appPassword(carol, "office", "--protocols pop3 --cidr 192.0.2.0/24,2001:db8::/32");
        String doomed = appPassword(carol, "old-phone", "--protocols pop3");
        assertTrue(passReply(carol, pop3).startsWith("+OK"));
        assertTrue(plainReply(carol, doomed).startsWith("+OK"));
        ok("postern:app-password-delete " + carol + " old-phone");

        List<String[]> refused = List.of(
                new String[] {"account password once an app password exists", carol, pw},
                new String[] {"app password without the POP3 scope", carol, imapOnly},
                new String[] {"app password from outside its networks", carol, elsewhere},
                new String[] {"deleted app password", carol, doomed},
                new String[] {"unknown account", "nobody@example.net", pop3},
                new String[] {"another account's app password", account("dave account password 4444"), pop3});
        for (String[] c : refused) {
            assertEquals(c[0] + " (USER/PASS)", reference, passReply(c[1], c[2]));
            assertEquals(c[0] + " (AUTH PLAIN)", reference, plainReply(c[1], c[2]));
            // A success forgets this pair's failures: the rate limit has a test of its own.
            assertTrue(passReply(carol, pop3).startsWith("+OK"));
        }

        ok("postern:account-lock " + carol);
        assertEquals("locked account", reference, passReply(carol, pop3));
        assertEquals("locked account", reference, plainReply(carol, pop3));
        ok("postern:account-unlock " + carol);
        assertTrue(passReply(carol, pop3).startsWith("+OK"));
    }

    @Test
    public void tenFailuresRefuseEvenTheRightPasswordWithTheSameReply() throws Exception {
        String erin = account("erin account password 55555");
        String secret = appPassword(erin, "laptop", "--protocols pop3");
        String reference = null;
        for (int i = 0; i < 10; i++) {
            String r = passReply(erin, "guess number " + i);
            reference = reference == null ? r : reference;
            assertEquals(reference, r);
        }
        assertEquals("rate limited: the right password is refused alike", reference, passReply(erin, secret));
    }

    @Test
    public void afterTheCutoverAccountPasswordsNoLongerOpenPop3() throws Exception {
        String pw = "frank account password 666666";
        String frank = account(pw);
        assertTrue(passReply(frank, pw).startsWith("+OK"));
        String reference = passReply(frank, "a wrong password");
        postern.setConfig("org.postern.auth.cfg", "cutover", "2020-01-01T00:00:00Z");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String r;
            while (!(r = passReply(frank, pw)).equals(reference)) {
                assertTrue("account password still opens POP3 after the cutover: " + r, System.nanoTime() < deadline);
                Thread.sleep(500);
            }
        } finally {
            postern.setConfig("org.postern.auth.cfg", "cutover", "");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!passReply(frank, pw).startsWith("+OK")) {
            assertTrue("cutover removed again", System.nanoTime() < deadline);
            Thread.sleep(500);
        }
    }

    @Test
    public void deletingTheAppPasswordClosesALiveSession() throws Exception {
        String grace = account("grace account password 7777777");
        String secret = appPassword(grace, "laptop", "--protocols pop3");
        try (Pop3Wire c = new Pop3Wire(postern.pop3Port)) {
            assertTrue(c.userPass(grace, secret).startsWith("+OK"));
            assertTrue(c.send("STAT").startsWith("+OK"));
            ok("postern:app-password-delete " + grace + " laptop");
            assertTrue("the session of a deleted app password ends within seconds", c.awaitClosedByServer(30));
        }
    }
}
