package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.event.MessageCountAdapter;
import jakarta.mail.event.MessageCountEvent;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.postern.itests.PosternProcess.ClientResult;

/**
 * IMAP from outside against one started distribution: mail sent with swaks to the MX is read with
 * an app password by Angus Mail over IMAPS byte for byte; IDLE wakes on an SMTP delivery; one
 * store behind IMAP and POP3; refusals alike; the IMAP feature uninstalled and installed again
 * while POP3 serves.
 */
public class ImapIT {
    private static PosternProcess postern;
    private static String admin;

    @BeforeClass
    public static void start() throws Exception {
        postern = PosternProcess.unpack("imap");
        postern.setConfig("org.postern.auth.cfg", "failures.per.address", "100000");
        postern.setConfig("org.postern.auth.cfg", "account.delay.after", "100000");
        postern.start();
        admin = postern.adminPassword(120);
        ok("postern:domain-add example.net");
        awaitImap(120);
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

    private static String account(String password) throws Exception {
        String address = "i" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "@example.net";
        ok("postern:account-add " + address + " --password-file " + postern.passwordFile(password));
        return address;
    }

    private static String appPassword(String account, String name, String protocols) throws Exception {
        String out = PosternProcess.stripAnsi(ok("postern:app-password-create " + account + " --name " + name
                + " --protocols " + protocols));
        String[] lines = out.strip().split("\\R");
        return lines[lines.length - 1].strip();
    }

    private static void awaitImap(long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            try (Socket s = new Socket("127.0.0.1", postern.imapPort)) {
                s.setSoTimeout(10_000);
                String greeting = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine();
                if (greeting != null && greeting.startsWith("* OK")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("IMAP not listening on " + postern.imapPort + ":\n" + postern.tail());
            }
            Thread.sleep(500);
        }
    }

    private static String message(String to, String marker) {
        return "From: sender@origin.example\r\nTo: " + to + "\r\nSubject: imap test " + marker
                + "\r\nMessage-ID: <" + marker + "@origin.example>\r\n\r\nHello " + marker + ".\r\nlast line";
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
    }

    private static Store imaps(String user, String password) throws Exception {
        Properties p = new Properties();
        p.put("mail.imaps.host", "127.0.0.1");
        p.put("mail.imaps.port", String.valueOf(postern.imapsPort));
        p.put("mail.imaps.ssl.trust", "*");
        p.put("mail.imaps.ssl.checkserveridentity", "false");
        p.put("mail.imaps.timeout", "60000");
        Store store = Session.getInstance(p).getStore("imaps");
        store.connect(user, password);
        return store;
    }

    @Test
    public void mailSentToTheMxIsReadOverImapsWithAnAppPasswordAndIdleWakesOnDelivery() throws Exception {
        String alice = account("alice account password 1");
        String secret = appPassword(alice, "laptop", "imap");
        String marker = "m" + UUID.randomUUID().toString().replace("-", "");
        String data = message(alice, marker);
        swaks(alice, data);
        Store store = imaps(alice, secret);
        try {
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertEquals(1, inbox.getMessageCount());
            Message m = inbox.getMessage(1);
            assertEquals("imap test " + marker, m.getSubject());
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            m.writeTo(raw);
            String got = raw.toString(StandardCharsets.ISO_8859_1);
            assertTrue(got, got.startsWith("Received: from client.example.org"));
            assertTrue("byte for byte after the trace header:\n" + got, got.endsWith(data + "\r\n"));

            // IDLE: a delivery over SMTP wakes the client promptly.
            CountDownLatch arrived = new CountDownLatch(1);
            inbox.addMessageCountListener(new MessageCountAdapter() {
                @Override
                public void messagesAdded(MessageCountEvent e) {
                    arrived.countDown();
                }
            });
            Thread idler = new Thread(() -> {
                try {
                    while (arrived.getCount() > 0) {
                        inbox.idle(true);
                    }
                } catch (Exception e) {
                    // the folder closes at the end of the test
                }
            });
            idler.start();
            Thread.sleep(500);
            long sent = System.nanoTime();
            swaks(alice, message(alice, marker + "b"));
            assertTrue("IDLE woken by the delivery", arrived.await(60, TimeUnit.SECONDS));
            System.out.printf("IMAP IDLE: woken %d ms after swaks returned from the MX (including swaks' own exit)%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
            idler.join(30_000);
            inbox.close(false);
        } finally {
            store.close();
        }
    }

    @Test
    public void imapAndPop3ShareOneStoreAndRefuseAlike() throws Exception {
        String pw = "bob account password 22";
        String bob = account(pw);
        String imapSecret = appPassword(bob, "laptop", "imap");
        String pop3Secret = appPassword(bob, "phone", "pop3");
        String marker = "s" + UUID.randomUUID().toString().replace("-", "");
        swaks(bob, message(bob, marker));
        swaks(bob, message(bob, marker + "2"));
        // deleted through IMAP: gone in POP3
        Store store = imaps(bob, imapSecret);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertEquals(2, inbox.getMessageCount());
            inbox.getMessage(1).setFlag(Flags.Flag.DELETED, true);
            inbox.close(true);
        } finally {
            store.close();
        }
        try (Pop3Wire pop3 = new Pop3Wire(postern.pop3Port)) {
            assertTrue(pop3.userPass(bob, pop3Secret).startsWith("+OK Logged in, 1 messages"));
            assertTrue(pop3.send("DELE 1").startsWith("+OK"));
            assertTrue(pop3.send("QUIT").startsWith("+OK"));
        }
        // deleted through POP3: gone in IMAP
        store = imaps(bob, imapSecret);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertEquals(0, inbox.getMessageCount());
            inbox.close(false);
            List<String> names = java.util.Arrays.stream(store.getDefaultFolder().list("*")).map(Folder::getFullName).toList();
            assertTrue(names.toString(), names.containsAll(List.of("INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive")));
        } finally {
            store.close();
        }
        // refusals: the account password (bob has app passwords), the POP3-only app password
        String reference = login(bob, "wrong password");
        assertTrue(reference, reference.startsWith("L NO [AUTHENTICATIONFAILED]"));
        assertEquals(reference, login(bob, pw));
        assertEquals(reference, login(bob, pop3Secret));
        assertEquals(reference, login("nobody@example.net", imapSecret));
    }

    @Test
    public void bodySearchFindsEncodedTextAsTheReaderSeesIt() throws Exception {
        String dora = account("dora account password 4444");
        String secret = appPassword(dora, "laptop", "imap");
        String text = "Die Rechnung für Zürich liegt bei. Grüße";
        swaks(dora, "From: sender@origin.example\r\nTo: " + dora + "\r\nSubject: Rechnung\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=sep\r\n\r\n--sep\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + java.util.Base64.getMimeEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8))
                + "\r\n--sep\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + java.util.Base64.getMimeEncoder().encodeToString("ZURICH in a binary".getBytes(StandardCharsets.US_ASCII))
                + "\r\n--sep--\r\n");
        swaks(dora, "From: sender@origin.example\r\nTo: " + dora + "\r\nSubject: Menu\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n\r\nUn caf=E9 cr=E8me, s'il vous pla=EEt, =\r\nz=FCrich\r\n");
        Store store = imaps(dora, secret);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertEquals(2, inbox.getMessageCount());
            assertEquals(List.of("Rechnung", "Menu"), subjects(inbox.search(new jakarta.mail.search.BodyTerm("ZÜRICH"))));
            assertEquals(List.of("Menu"), subjects(inbox.search(new jakarta.mail.search.BodyTerm("Café Crème"))));
            assertEquals(List.of(), subjects(inbox.search(new jakarta.mail.search.BodyTerm("binary"))));
            assertEquals(List.of(), subjects(inbox.search(new jakarta.mail.search.BodyTerm("caf=E9"))));
            inbox.close(false);
        } finally {
            store.close();
        }
    }

    private static List<String> subjects(Message[] messages) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        for (Message m : messages) {
            out.add(m.getSubject());
        }
        return out;
    }

    /** A LOGIN on the plain port (loopback may log in without TLS); the tagged reply. */
    private static String login(String user, String password) throws IOException {
        try (Socket s = new Socket("127.0.0.1", postern.imapPort)) {
            s.setSoTimeout(60_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            in.readLine();
            out.write(("L LOGIN \"" + user + "\" \"" + password + "\"\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("L ")) {
                // untagged lines
            }
            return line;
        }
    }

    @Test
    public void imapCanBeUninstalledAndInstalledAgainWhilePop3Serves() throws Exception {
        String carol = account("carol account password 333");
        String pop3Secret = appPassword(carol, "phone", "pop3");
        String imapSecret = appPassword(carol, "laptop", "imap");
        swaks(carol, message(carol, "r" + UUID.randomUUID().toString().replace("-", "")));
        ok("feature:uninstall postern-imap");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        boolean down = false;
        while (!down && System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", postern.imapPort)) {
                Thread.sleep(200);
            } catch (IOException refused) {
                down = true;
            }
        }
        assertTrue("IMAP stopped listening", down);
        try (Pop3Wire pop3 = new Pop3Wire(postern.pop3Port)) {
            assertTrue("POP3 serves meanwhile", pop3.userPass(carol, pop3Secret).startsWith("+OK Logged in, 1 messages"));
        }
        ok("feature:install postern-imap");
        awaitImap(120);
        Store store = imaps(carol, imapSecret);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertEquals("nothing lost", 1, inbox.getMessageCount());
            inbox.close(false);
        } finally {
            store.close();
        }
        assertFalse(postern.logText().contains("Postern IMAP not started"));
    }
}
