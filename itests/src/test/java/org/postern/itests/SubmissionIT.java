package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.postern.itests.PosternProcess.ClientResult;

/**
 * Sending mail through the real distribution: swaks and Angus Mail submit with app passwords over
 * 5587 (STARTTLS) and 4465 (implicit TLS); the message reaches a test-owned MX (the queue's smart
 * host) DKIM-signed, verified by dkimpy, without the client's address or software; the relay
 * matrix refuses every unauthenticated path; a temporary failure is retried and a permanent one
 * bounces to the sender's INBOX; the queue commands show and delete what waits.
 */
public class SubmissionIT {
    private static PosternProcess postern;
    private static String admin;
    private static RemoteMx mx;
    private static List<String> dkimRecords;

    @BeforeClass
    public static void start() throws Exception {
        mx = new RemoteMx();
        postern = PosternProcess.unpack("submission");
        postern.setConfig("org.postern.auth.cfg", "failures.per.address", "100000");
        postern.setConfig("org.postern.auth.cfg", "account.delay.after", "100000");
        postern.setConfig("org.postern.outbound.cfg", "smarthost", "127.0.0.1:" + mx.port());
        postern.setConfig("org.postern.outbound.cfg", "retry.initial.seconds", "1");
        postern.setConfig("org.postern.outbound.cfg", "retry.max.seconds", "2");
        postern.setConfig("org.postern.outbound.cfg", "poll.ms", "200");
        postern.setConfig("org.postern.outbound.cfg", "hostname", "out.postern.test");
        postern.setConfig("org.postern.submission.cfg", "hostname", "mail.postern.test");
        postern.start();
        admin = postern.adminPassword(120);
        ok("postern:domain-add example.net");
        dkimRecords = new ArrayList<>();
        for (String cmd : List.of("postern:dkim-create example.net --selector r1",
                "postern:dkim-create example.net --algorithm ed25519 --selector e1")) {
            String out = PosternProcess.stripAnsi(ok(cmd));
            String record = out.lines().filter(l -> l.contains("._domainkey.")).findFirst().orElseThrow(
                    () -> new AssertionError(out));
            dkimRecords.add(record);
        }
        postern.awaitGreeting(postern.submissionPort, "220", 120);
    }

    @AfterClass
    public static void stop() throws Exception {
        if (postern != null) {
            postern.close();
        }
        if (mx != null) {
            mx.close();
        }
    }

    private static String ok(String commands) throws Exception {
        ClientResult r = postern.client(admin, commands);
        assertEquals(r.toString(), 0, r.exit);
        return r.output;
    }

    private static String account() throws Exception {
        String address = "s" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "@example.net";
        ok("postern:account-add " + address + " --password-file " + postern.passwordFile("account password 12345"));
        return address;
    }

    private static String appPassword(String account, String name, String protocols) throws Exception {
        String out = PosternProcess.stripAnsi(ok("postern:app-password-create " + account + " --name " + name
                + " --protocols " + protocols));
        String[] lines = out.strip().split("\\R");
        return lines[lines.length - 1].strip();
    }

    /** swaks with the given arguments; its exit code and everything it printed. */
    private static ClientResult swaks(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--helo", "laptop.home.example",
                "--timeout", "30"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(out, p.waitFor(90, TimeUnit.SECONDS));
        return new ClientResult(p.exitValue(), out);
    }

    private static <T> T poll(Supplier<T> what, java.util.function.Predicate<T> until, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        T v = what.get();
        while (!until.test(v)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + seconds + " s: " + v + "\n" + postern.tail());
            }
            Thread.sleep(200);
            v = what.get();
        }
        return v;
    }

    private static RemoteMx.Received arrived(String marker) throws Exception {
        return poll(() -> mx.received.stream().filter(r -> r.text().contains(marker)).findFirst().orElse(null),
                r -> r != null, 60);
    }

    @Test
    public void swaksAndAngusSubmitOverBothPortsAndMailArrivesSignedWithoutTheClient() throws Exception {
        String alice = account();
        String secret = appPassword(alice, "laptop", "smtp");
        String m1 = "m" + UUID.randomUUID().toString().replace("-", "");
        String m2 = "m" + UUID.randomUUID().toString().replace("-", "");
        ClientResult starttls = swaks("--port", String.valueOf(postern.submissionPort), "--tls", "--auth", "PLAIN",
                "--auth-user", alice, "--auth-password", secret, "--from", alice, "--to", "carol@remote.test",
                "--header", "Subject: " + m1, "--add-header", "X-Originating-IP: [198.51.100.7]",
                "--body", "Hello over STARTTLS " + m1);
        assertEquals(starttls.output, 0, starttls.exit);
        ClientResult implicit = swaks("--port", String.valueOf(postern.submissionsPort), "--tlsc", "--auth", "LOGIN",
                "--auth-user", alice, "--auth-password", secret, "--from", alice, "--to", "dan@remote.test",
                "--header", "Subject: " + m2, "--body", "Hello over implicit TLS " + m2);
        assertEquals(implicit.output, 0, implicit.exit);
        for (String marker : List.of(m1, m2)) {
            RemoteMx.Received r = arrived(marker);
            assertEquals(alice, r.sender());
            String text = r.text();
            String header = text.substring(0, text.indexOf("\r\n\r\n"));
            assertTrue(header, header.startsWith("DKIM-Signature: v=1; a=rsa-sha256;")
                    || header.startsWith("DKIM-Signature: v=1; a=ed25519-sha256;"));
            assertTrue(header, header.contains("\r\nReceived: by mail.postern.test (Postern) with ESMTPSA id "));
            assertFalse("no client address: " + header, header.contains("127.0.0.1") || header.contains("198.51.100.7"));
            assertFalse("no client name: " + header, header.contains("laptop.home.example"));
            assertFalse("no client software: " + header, header.toLowerCase().contains("swaks"));
            assertEquals("2 signatures verified", dkimVerify(text));
        }
        // Angus Mail, a Java mail client, over both ports
        for (boolean implicitTls : new boolean[] {false, true}) {
            String marker = "a" + UUID.randomUUID().toString().replace("-", "");
            Properties p = new Properties();
            String proto = implicitTls ? "smtps" : "smtp";
            p.put("mail." + proto + ".host", "127.0.0.1");
            p.put("mail." + proto + ".port", String.valueOf(implicitTls ? postern.submissionsPort : postern.submissionPort));
            p.put("mail." + proto + ".starttls.enable", "true");
            p.put("mail." + proto + ".starttls.required", "true");
            p.put("mail." + proto + ".ssl.trust", "*");
            p.put("mail." + proto + ".ssl.checkserveridentity", "false");
            p.put("mail." + proto + ".auth", "true");
            p.put("mail." + proto + ".timeout", "30000");
            Session s = Session.getInstance(p);
            MimeMessage m = new MimeMessage(s);
            m.setFrom(new InternetAddress(alice));
            m.setRecipients(Message.RecipientType.TO, "erin@remote.test");
            m.setSubject("Angus " + marker);
            m.setText("Sent by Angus Mail " + marker, "utf-8");
            try (Transport t = s.getTransport(proto)) {
                t.connect(alice, secret);
                t.sendMessage(m, m.getAllRecipients());
            }
            assertEquals("2 signatures verified", dkimVerify(arrived(marker).text()));
        }
    }

    /** Runs dkimpy (python3-dkim) over the message, answering its DNS queries with the records dkim-create printed. */
    private static String dkimVerify(String message) throws Exception {
        Path msg = Files.createTempFile("dkim", ".eml");
        try {
            Files.writeString(msg, message, StandardCharsets.UTF_8);
            StringBuilder zone = new StringBuilder("{");
            for (String record : dkimRecords) {
                // "r1._domainkey.example.net. IN TXT \"v=DKIM1; ...\""
                String name = record.substring(0, record.indexOf(' '));
                String txt = record.substring(record.indexOf('"') + 1, record.lastIndexOf('"'));
                zone.append('"').append(name).append("\": \"").append(txt).append("\",");
            }
            zone.append('}');
            String script = "import dkim, sys\n"
                    + "zone = " + zone + "\n"
                    + "def dns(name, timeout=5):\n"
                    + "    n = name.decode() if isinstance(name, bytes) else name\n"
                    + "    return zone.get(n, '').encode()\n"
                    + "m = open(sys.argv[1], 'rb').read()\n"
                    + "d = dkim.DKIM(m)\n"
                    + "def check(i):\n"
                    + "    try:\n"
                    + "        return d.verify(idx=i, dnsfunc=dns)\n"
                    + "    except dkim.ValidationError:\n"
                    + "        return False\n"
                    + "print(sum(1 for i in range(m.count(b'DKIM-Signature:')) if check(i)), 'signatures verified')\n";
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, msg.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            return out.lines().reduce((a, b) -> b).orElse(out);
        } finally {
            Files.deleteIfExists(msg);
        }
    }

    @Test
    public void nothingIsRelayedWithoutAuthenticationOnAnyPort() throws Exception {
        String bob = account();
        String secret = appPassword(bob, "laptop", "smtp");
        String imapOnly = appPassword(bob, "phone", "imap");
        int before = mx.received.size();
        String sub = String.valueOf(postern.submissionPort);
        String subs = String.valueOf(postern.submissionsPort);
        String[] relay = {"--from", bob, "--to", "victim@remote.test"};
        // no AUTH, STARTTLS port and implicit TLS port
        assertRefused(swaks(concat(new String[] {"--port", sub, "--tls"}, relay)), "530 5.7.0");
        assertRefused(swaks(concat(new String[] {"--port", subs, "--tlsc"}, relay)), "530 5.7.0");
        // bad AUTH: wrong password, a password without the SMTP scope
        assertRefused(swaks(concat(new String[] {"--port", sub, "--tls", "--auth", "PLAIN", "--auth-user", bob,
            "--auth-password", secret + "x"}, relay)), "535 5.7.8");
        assertRefused(swaks(concat(new String[] {"--port", subs, "--tlsc", "--auth", "LOGIN", "--auth-user", bob,
            "--auth-password", imapOnly}, relay)), "535 5.7.8");
        // AUTH before TLS: not offered, and refused when tried anyway
        assertRefused(swaks(concat(new String[] {"--port", sub, "--auth", "PLAIN", "--auth-user", bob,
            "--auth-password", secret}, relay)), "not advertise");
        assertEquals("538 5.7.11 Encryption required for requested authentication mechanism",
                raw(postern.submissionPort, "EHLO client.test", "AUTH PLAIN " + plain(bob, secret)).get(2));
        // the MX port: no AUTH at all, and no relaying
        List<String> mxDialog = raw(postern.smtpPort, "EHLO client.test", "AUTH PLAIN " + plain(bob, secret),
                "MAIL FROM:<" + bob + ">", "RCPT TO:<victim@remote.test>");
        assertFalse(mxDialog.get(1), mxDialog.get(1).contains("AUTH"));
        assertTrue(mxDialog.get(2), mxDialog.get(2).startsWith("502 5.5.1"));
        assertTrue(mxDialog.get(4), mxDialog.get(4).startsWith("554 5.7.1"));
        assertRefused(swaks("--port", String.valueOf(postern.smtpPort), "--from", bob, "--to", "victim@remote.test"),
                "554 5.7.1");
        // an authenticated sender may not use another's address
        assertRefused(swaks("--port", sub, "--tls", "--auth", "PLAIN", "--auth-user", bob, "--auth-password", secret,
                "--from", "ceo@remote.test", "--to", "victim@remote.test"), "553 5.7.1");
        Thread.sleep(1000);
        assertEquals("nothing reached the remote MX", before, mx.received.size());
    }

    private static void assertRefused(ClientResult r, String reply) {
        assertTrue(r.output, r.exit != 0);
        assertTrue("expected " + reply + " in:\n" + r.output, r.output.contains(reply));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String plain(String user, String secret) {
        return java.util.Base64.getEncoder().encodeToString(("\0" + user + "\0" + secret).getBytes(StandardCharsets.UTF_8));
    }

    /** A conversation in clear text: the greeting and one (possibly multi-line) reply per command. */
    private static List<String> raw(int port, String... commands) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            List<String> replies = new ArrayList<>();
            replies.add(in.readLine());
            for (String c : commands) {
                out.write((c + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                StringBuilder all = new StringBuilder();
                String line;
                do {
                    line = in.readLine();
                    all.append(all.length() == 0 ? "" : "\n").append(line);
                } while (line != null && line.length() > 3 && line.charAt(3) == '-');
                replies.add(all.toString());
            }
            return replies;
        }
    }

    @Test
    public void aTemporaryFailureIsRetriedAPermanentOneBouncesAndTheQueueShowsWhatWaits() throws Exception {
        String carol = account();
        String secret = appPassword(carol, "laptop", "smtp,imap");
        String[] auth = {"--port", String.valueOf(postern.submissionPort), "--tls", "--auth", "PLAIN", "--auth-user",
            carol, "--auth-password", secret, "--from", carol};
        // retried: the remote MX answers 451 once
        mx.temporaryFailures.set(1);
        int phases = mx.dataPhases.get();
        String retry = "r" + UUID.randomUUID().toString().replace("-", "");
        assertEquals(0, swaks(concat(auth, new String[] {"--to", "frank@remote.test", "--header", "Subject: " + retry})).exit);
        arrived(retry);
        assertTrue("sent twice: once refused, once accepted", mx.dataPhases.get() - phases >= 2);

        // waiting: the remote MX refuses for now; the queue shows it, then the operator deletes it
        mx.temporaryFailures.set(1_000_000);
        String waits = "w" + UUID.randomUUID().toString().replace("-", "");
        assertEquals(0, swaks(concat(auth, new String[] {"--to", "grace@remote.test", "--header", "Subject: " + waits})).exit);
        String id = poll(() -> {
            try {
                String list = PosternProcess.stripAnsi(ok("postern:queue-list"));
                return list.lines().filter(l -> l.contains(carol)).map(l -> l.substring(0, 32)).findFirst().orElse(null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, v -> v != null, 60);
        String shown = poll(() -> {
            try {
                return PosternProcess.stripAnsi(ok("postern:queue-show " + id));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, s -> s.contains("451 4.3.0"), 60);
        assertTrue(shown, shown.contains("PENDING") && shown.contains("grace@remote.test"));
        assertFalse("never the body: " + shown, shown.contains(waits));
        ok("postern:queue-delete " + id);
        assertFalse(PosternProcess.stripAnsi(ok("postern:queue-list")).contains(id));
        mx.temporaryFailures.set(0);

        // bounced: a 550 from the remote MX comes back as a DSN in the sender's INBOX
        String bounce = "b" + UUID.randomUUID().toString().replace("-", "");
        assertEquals(0, swaks(concat(auth, new String[] {"--to", "perm-nobody@remote.test", "--header", "Subject: " + bounce}))
                .exit);
        Properties p = new Properties();
        p.put("mail.imaps.host", "127.0.0.1");
        p.put("mail.imaps.port", String.valueOf(postern.imapsPort));
        p.put("mail.imaps.ssl.trust", "*");
        p.put("mail.imaps.ssl.checkserveridentity", "false");
        Store store = Session.getInstance(p).getStore("imaps");
        store.connect(carol, secret);
        try {
            String dsn = poll(() -> {
                try {
                    Folder inbox = store.getFolder("INBOX");
                    inbox.open(Folder.READ_ONLY);
                    try {
                        for (Message m : inbox.getMessages()) {
                            ByteArrayOutputStream raw = new ByteArrayOutputStream();
                            m.writeTo(raw);
                            String text = raw.toString(StandardCharsets.UTF_8);
                            if (text.contains(bounce)) {
                                return text;
                            }
                        }
                        return null;
                    } finally {
                        inbox.close(false);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, t -> t != null, 60);
            assertTrue(dsn, dsn.contains("Subject: Undelivered Mail Returned to Sender"));
            assertTrue(dsn, dsn.contains("Final-Recipient: rfc822; perm-nobody@remote.test"));
            assertTrue(dsn, dsn.contains("Status: 5.1.1"));
            assertFalse("plain text, no links", dsn.contains("http://") || dsn.contains("https://"));
        } finally {
            store.close();
        }
    }
}
