package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.search.SubjectTerm;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.postern.dns.testing.LoopbackDnsServer;
import org.postern.itests.PosternProcess.ClientResult;

/**
 * Sender authentication on the MX through the real distribution: swaks hands over messages from
 * 127.0.0.1, a test DNS server publishes SPF, DKIM and DMARC records, dkimpy (an independent
 * implementation) signs, and the Authentication-Results each message got is read back over
 * IMAPS with an app password. A DMARC p=reject failure is refused with 550 5.7.1 at the end of
 * DATA; a forged Authentication-Results naming this server never reaches the mailbox.
 */
public class SenderAuthenticationIT {
    private static final String MX = "mx.postern.test";
    private static PosternProcess postern;
    private static String admin;
    private static LoopbackDnsServer dns;
    private static String alice;
    private static String secret;
    private static Path signingKey;

    @BeforeClass
    public static void start() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair key = g.generateKeyPair();
        dns = new LoopbackDnsServer();
        // pass.test: SPF allows 127.0.0.1, DKIM key published, DMARC reject
        dns.txt("pass.test", "v=spf1 ip4:127.0.0.1 -all");
        String[] keyRecord = strings("v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(key.getPublic().getEncoded()));
        dns.txt("s1._domainkey.pass.test", keyRecord);
        dns.txt("_dmarc.pass.test", "v=DMARC1; p=reject");
        // bank.test: SPF allows only another host, DMARC reject
        dns.txt("bank.test", "v=spf1 ip4:192.0.2.1 -all");
        dns.txt("_dmarc.bank.test", "v=DMARC1; p=reject");
        // soft.test: softfail, no DMARC record
        dns.txt("soft.test", "v=spf1 ip4:192.0.2.1 ~all");
        // relaxed.test: DMARC p=none, SPF fails, DKIM by the same key under another selector
        dns.txt("relaxed.test", "v=spf1 -all");
        dns.txt("_dmarc.relaxed.test", "v=DMARC1; p=none");
        dns.txt("s1._domainkey.relaxed.test", keyRecord);
        // broken.test: its DNS server fails (SERVFAIL)
        dns.rcode("broken.test", 2);
        dns.rcode("_dmarc.broken.test", 2);

        postern = PosternProcess.unpack("sender-auth");
        signingKey = postern.home.resolve("dkim-test-key.pem");
        Files.writeString(signingKey, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        postern.setConfig("org.postern.dns.cfg", "servers", dns.servers());
        postern.setConfig("org.postern.smtp.cfg", "hostname", MX);
        postern.start();
        admin = postern.adminPassword(120);
        ok("postern:domain-add example.net");
        alice = "a" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "@example.net";
        ok("postern:account-add " + alice + " --password-file " + postern.passwordFile("account password 12345"));
        String out = PosternProcess.stripAnsi(ok("postern:app-password-create " + alice + " --name laptop --protocols imap"));
        String[] lines = out.strip().split("\\R");
        secret = lines[lines.length - 1].strip();
        postern.awaitGreeting(postern.smtpPort, "220", 120);
    }

    /** A TXT record's text as character-strings of at most 255 octets, as a 2048-bit key must be published. */
    private static String[] strings(String text) {
        int n = (text.length() + 254) / 255;
        String[] parts = new String[n];
        for (int i = 0; i < n; i++) {
            parts[i] = text.substring(i * 255, Math.min(text.length(), (i + 1) * 255));
        }
        return parts;
    }

    @AfterClass
    public static void stop() throws Exception {
        if (postern != null) {
            postern.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    private static String ok(String commands) throws Exception {
        ClientResult r = postern.client(admin, commands);
        assertEquals(r.toString(), 0, r.exit);
        return r.output;
    }

    private static String message(String from, String subject, String extraHeader) {
        return extraHeader + "From: " + from + "\r\nTo: " + alice + "\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + subject + "@test>\r\n\r\nHello,\r\nthis is " + subject + ".\r\n";
    }

    /** dkimpy's signature for the message with the test key, as selector s1 of {@code domain}. */
    private static String dkimSign(String message, String domain) throws Exception {
        Path msg = Files.createTempFile(postern.home, "unsigned", ".eml");
        Files.writeString(msg, message, StandardCharsets.UTF_8);
        String script = "import dkim, sys\n"
                + "m = open(sys.argv[1], 'rb').read()\n"
                + "k = open(sys.argv[2], 'rb').read()\n"
                + "sys.stdout.buffer.write(dkim.sign(m, b's1', sys.argv[3].encode(), k,"
                + " canonicalize=(b'relaxed', b'simple'), include_headers=[b'from', b'to', b'subject', b'message-id']))\n";
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, msg.toString(), signingKey.toString(), domain).start();
        String sig = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(err, 0, p.exitValue());
        assertTrue(sig, sig.startsWith("DKIM-Signature: "));
        return sig.replace("\r\n", "\n").replace("\n", "\r\n");
    }

    /** swaks' transcript of handing the message to the MX; exit code 0 unless the server refused. */
    private static String swaks(String envelopeFrom, String data) throws Exception {
        Path file = Files.createTempFile(postern.home, "msg", ".eml");
        Files.writeString(file, data, StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("swaks", "--server", "127.0.0.1:" + postern.smtpPort, "--to", alice, "--from",
                envelopeFrom, "--helo", "client.test", "--data", file.toString(), "--timeout", "60")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(out, p.waitFor(120, TimeUnit.SECONDS));
        return p.exitValue() + "\n" + out;
    }

    /** The stored message with this subject, read over IMAPS (polls: delivery is committed before 250, but be generous). */
    private static String stored(String subject) throws Exception {
        Properties p = new Properties();
        p.put("mail.imaps.host", "127.0.0.1");
        p.put("mail.imaps.port", String.valueOf(postern.imapsPort));
        p.put("mail.imaps.ssl.trust", "*");
        p.put("mail.imaps.ssl.checkserveridentity", "false");
        p.put("mail.imaps.timeout", "60000");
        Store store = Session.getInstance(p).getStore("imaps");
        store.connect(alice, secret);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            Message[] found = inbox.search(new SubjectTerm(subject));
            assertEquals("messages with subject " + subject, 1, found.length);
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            found[0].writeTo(raw);
            assertFalse(found[0].isSet(Flags.Flag.DELETED));
            return raw.toString(StandardCharsets.UTF_8);
        } finally {
            store.close();
        }
    }

    /** The Authentication-Results field this server wrote, unfolded. */
    private static String results(String message) {
        int start = message.indexOf("Authentication-Results: " + MX + ";");
        assertTrue(message, start >= 0);
        int end = start;
        do {
            end = message.indexOf("\r\n", end) + 2;
        } while (message.charAt(end) == '\t' || message.charAt(end) == ' ');
        return message.substring(start, end).replaceAll("\r\n[ \t]+", " ").strip();
    }

    @Test
    public void signedMailFromAnAllowedHostPassesAllThree() throws Exception {
        String subject = "pass-" + UUID.randomUUID();
        String unsigned = message("Pass <news@pass.test>", subject, "");
        String out = swaks("bounce@pass.test", dkimSign(unsigned, "pass.test") + unsigned);
        assertTrue(out, out.startsWith("0\n"));
        String r = results(stored(subject));
        assertTrue(r, r.contains("spf=pass") && r.contains("smtp.mailfrom=bounce@pass.test"));
        assertTrue(r, r.contains("dkim=pass") && r.contains("header.d=pass.test header.s=s1"));
        assertTrue(r, r.contains("dmarc=pass (p=reject) header.from=pass.test"));
    }

    /**
     * CHUNKING over a bare socket: a signed message in three BDAT chunks split mid-line; the
     * signature verifies only if every octet was stored as sent.
     */
    @Test
    public void aSignedMessageInBdatChunksIsStoredExactly() throws Exception {
        String subject = "chunks-" + UUID.randomUUID();
        String unsigned = message("Pass <news@pass.test>", subject, "") + ".a leading dot\r\n.\r\nBDAT 3\r\nend\r\n";
        byte[] signed = (dkimSign(unsigned, "pass.test") + unsigned).getBytes(StandardCharsets.US_ASCII);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", postern.smtpPort)) {
            socket.setSoTimeout(60_000);
            java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            java.io.OutputStream out = socket.getOutputStream();
            assertTrue(in.readLine().startsWith("220 "));
            out.write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
            String ehlo;
            boolean chunking = false;
            do {
                ehlo = in.readLine();
                chunking |= ehlo.equals("250-CHUNKING") || ehlo.equals("250 CHUNKING");
            } while (ehlo.startsWith("250-"));
            assertTrue("CHUNKING advertised", chunking);
            java.io.ByteArrayOutputStream pipelined = new java.io.ByteArrayOutputStream();
            pipelined.writeBytes(("MAIL FROM:<bounce@pass.test>\r\nRCPT TO:<" + alice + ">\r\n").getBytes(StandardCharsets.US_ASCII));
            int[] cuts = {0, 100, signed.length - 7, signed.length};
            for (int i = 0; i < 3; i++) {
                int n = cuts[i + 1] - cuts[i];
                pipelined.writeBytes(("BDAT " + n + (i == 2 ? " LAST" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
                pipelined.write(signed, cuts[i], n);
            }
            out.write(pipelined.toByteArray());
            out.flush();
            assertEquals("250 2.1.0 Ok", in.readLine());
            assertEquals("250 2.1.5 Ok", in.readLine());
            assertEquals("250 2.0.0 100 octets received", in.readLine());
            assertEquals("250 2.0.0 " + (signed.length - 107) + " octets received", in.readLine());
            assertTrue(in.readLine().startsWith("250 2.0.0 Ok: queued as "));
        }
        String m = stored(subject);
        assertTrue(m, m.endsWith(unsigned));
        String r = results(m);
        assertTrue(r, r.contains("dkim=pass") && r.contains("header.d=pass.test"));
        assertTrue(r, r.contains("dmarc=pass"));
    }

    @Test
    public void dmarcRejectFailureIsRefusedWith550() throws Exception {
        String subject = "forged-" + UUID.randomUUID();
        String out = swaks("ceo@bank.test", message("CEO <ceo@bank.test>", subject, ""));
        assertTrue(out, out.contains("<** 550 5.7.1 Message rejected by the DMARC policy of bank.test"));
        assertFalse(out, out.startsWith("0\n"));
    }

    @Test
    public void aTamperedSignatureFailsAndPNoneOnlyRecordsIt() throws Exception {
        String subject = "tampered-" + UUID.randomUUID();
        String unsigned = message("News <news@relaxed.test>", subject, "");
        String signed = dkimSign(unsigned, "relaxed.test") + unsigned.replace("this is", "this was");
        String out = swaks("bounce@relaxed.test", signed);
        assertTrue(out, out.startsWith("0\n"));
        String r = results(stored(subject));
        assertTrue(r, r.contains("spf=fail"));
        assertTrue(r, r.contains("dkim=fail (body hash did not verify) header.d=relaxed.test"));
        assertTrue(r, r.contains("dmarc=fail (p=none) header.from=relaxed.test"));
    }

    @Test
    public void softfailAndNoDmarcRecord() throws Exception {
        String subject = "soft-" + UUID.randomUUID();
        String out = swaks("a@soft.test", message("a@soft.test", subject, ""));
        assertTrue(out, out.startsWith("0\n"));
        String r = results(stored(subject));
        assertTrue(r, r.contains("spf=softfail") && r.contains("smtp.mailfrom=a@soft.test"));
        assertTrue(r, r.contains("dkim=none"));
        assertTrue(r, r.contains("dmarc=none"));
    }

    @Test
    public void dnsFailureIsTemperrorAndTheMailIsAccepted() throws Exception {
        String subject = "broken-" + UUID.randomUUID();
        String out = swaks("a@broken.test", message("a@broken.test", subject, ""));
        assertTrue(out, out.startsWith("0\n"));
        String r = results(stored(subject));
        assertTrue(r, r.contains("spf=temperror"));
        assertTrue(r, r.contains("dmarc=temperror"));
    }

    @Test
    public void aForgedResultNamingThisServerIsRemoved() throws Exception {
        String subject = "strip-" + UUID.randomUUID();
        String forged = "Authentication-Results: " + MX + "; dkim=pass header.d=bank.test; dmarc=pass header.from=bank.test\r\n"
                + "Authentication-Results: mx.elsewhere.test; spf=pass\r\n";
        String out = swaks("a@soft.test", message("a@soft.test", subject, forged));
        assertTrue(out, out.startsWith("0\n"));
        String m = stored(subject);
        assertFalse(m, m.contains("header.d=bank.test"));
        assertTrue(m, m.contains("Authentication-Results: mx.elsewhere.test; spf=pass\r\n"));
        assertTrue(results(m), results(m).contains("spf=softfail"));
    }
}
