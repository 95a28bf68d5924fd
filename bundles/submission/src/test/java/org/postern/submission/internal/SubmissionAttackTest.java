package org.postern.submission.internal;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.auth.Authenticator;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.MxRecord;
import org.postern.api.store.DataDirectory;
import org.postern.core.submission.DkimKeys.Algorithm;
import org.postern.core.submission.DkimKeys.PublicKeyRecord;
import org.postern.core.submission.SubmissionException;
import org.postern.core.submission.SubmissionException.Reason;
import org.postern.protocol.ServerTls;
import org.postern.protocol.Tls;

/**
 * What an attacker does with an account (or with a mail server of their own that Postern sends
 * to), each test the proof of one bug that was found and fixed:
 * <ul>
 * <li>From fields that Postern's sender check read differently from the receiving side's parsers,
 *     so an account sent as another account of the same domain (DMARC-aligned, DKIM-signed);</li>
 * <li>Resent-Bcc passed on to every recipient;</li>
 * <li>the envelope as typed (bare CR, angle brackets, CRLF) written into the outbound commands;</li>
 * <li>a remote server holding a sending thread (and its message) for ever;</li>
 * <li>DKIM signatures that no verifier accepts for a header with non-UTF-8 octets;</li>
 * <li>the machine's own name instead of the documented TLS host name in Received and EHLO.</li>
 * </ul>
 */
class SubmissionAttackTest {
    private static final String PASSWORD = "alice app password";

    @TempDir
    Path data;
    private TestPeers.RemoteMx mx;
    private TestPeers.Blobs blobs;
    private TestPeers.Dns dns;
    private OutboundQueue queue;
    private SubmissionService submission;

    @BeforeEach
    void start() throws Exception {
        System.setProperty(DataDirectory.PROPERTY, data.toString());
        mx = new TestPeers.RemoteMx();
        blobs = new TestPeers.Blobs();
        dns = new TestPeers.Dns();
        dns.mx.put("remote.test", DnsAnswer.ok(List.of(new MxRecord(10, "mx.remote.test")), false, 60));
        queue = queue(new OutboundSettings("out.postern.test", null, mx.port(), 2, 2, Duration.ofSeconds(1),
                Duration.ofSeconds(2), Duration.ofHours(1), Duration.ZERO, Duration.ofMillis(100), Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(60)));
        submission = new SubmissionService("mail.postern.test", 1_000_000, 10, new String[] {"X-Mailer"}, 100, 1000);
        submission.queue = queue;
        submission.policy = new TestPeers.Policy();
    }

    private OutboundQueue queue(OutboundSettings settings) {
        OutboundQueue q = new OutboundQueue(settings);
        q.repository = new TestPeers.Queue(blobs);
        q.blobs = blobs;
        q.mailStore = new TestPeers.Mailboxes(blobs);
        q.policy = new TestPeers.Policy();
        q.dns = dns;
        q.start();
        return q;
    }

    @AfterEach
    void stop() throws Exception {
        queue.stop();
        mx.close();
    }

    private String send(String sender, List<String> rcpts, String message) throws SubmissionException {
        return submission.submit("acc-alice", sender, rcpts, new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)),
                "ESMTPSA");
    }

    // ---- From: the check must read at least every address a receiver may read ----

    /**
     * alice@local.test sends as bob@local.test, another account of the same provider domain (so
     * the DKIM signature of local.test even aligns): the sender check saw alice or nothing (and
     * then checked the envelope), the receiving side's parser sees bob. Python's email package
     * (used by milters, DMARC and archive tools) stands for the receiver here.
     */
    @Test
    void fromFieldsThatReceiversReadAsAnotherAccountAreRefused() throws Exception {
        List<String> forged = List.of(
                "<bob@local.test",                     // unterminated angle-addr: the check saw nothing
                "alice@local.test, <bob@local.test",   // ... after an address of one's own
                "(Alice) <bob@local.test",             // ... after a comment
                "bob@local.test <alice@local.test>",   // an '@' "display name": the check took the angle-addr
                "bob@local.test: alice@local.test;");  // an '@' group name
        assertAll(forged.stream().map(from -> () -> {
            assertTrue(receiverReads(from).contains("bob@local.test"), "the receiver reads bob in: " + from);
            SubmissionException e = assertThrows(SubmissionException.class, () -> send("alice@local.test",
                    List.of("carol@remote.test"), "From: " + from + "\r\nSubject: x\r\n\r\nhi\r\n"), from);
            assertEquals(Reason.FROM_NOT_ALLOWED, e.reason(), from);
        }));
        // what alice may still write
        for (String from : List.of("Alice <alice@local.test>", "\"bob@local.test\" <alice@local.test>",
                "team: alice@local.test;", "alice@local.test (Alice)", "\"Smith, A\" <alice@local.test>")) {
            send("alice@local.test", List.of("carol@remote.test"), "From: " + from + "\r\nSubject: x\r\n\r\nhi\r\n");
        }
        TestPeers.poll(() -> mx.received.size(), n -> n == 5, 30);
        for (TestPeers.RemoteMx.Received r : mx.received) {
            String header = r.text().substring(0, r.text().indexOf("\r\n\r\n"));
            String from = header.substring(header.indexOf("\r\nFrom: ") + 8).split("\r\n")[0];
            assertEquals(List.of("alice@local.test"), receiverReads(from), from);
        }
    }

    /**
     * The in-process path (webmail, notices) took any octets: a bare CR ends a line for many
     * parsers (Python's email among them) but not for the sender check, which read one Subject
     * where the receiver reads a second From; a bare-LF blank line ended the header for the check
     * only. The submission port refuses all of these (DataFraming); now the one path does too.
     */
    @Test
    void inProcessMessagesWithBareCrLfOrNulAreRefusedAsOnTheSubmissionPort() throws Exception {
        List<String> smuggled = List.of(
                "From: alice@local.test\r\nSubject: hi\rFrom: bob@local.test\r\n\r\nx\r\n",
                "From: alice@local.test\r\nSubject: hi\nFrom: bob@local.test\r\n\r\nx\r\n",
                "From: alice@local.test\r\n\nFrom: bob@local.test\r\n\r\nx\r\n",
                "From: alice@local.test\r\nSubject: a\0b\r\n\r\nx\r\n",
                // in the body: "\r.\r" ends DATA at some servers (SMTP smuggling); it went out unstuffed
                "From: alice@local.test\r\n\r\nx\r.\rMAIL FROM:<ceo@bank.test>\r\n",
                "From: alice@local.test\r\n\r\nx\n.\nRCPT TO:<a@b.test>\n");
        assertAll(smuggled.stream().map(m -> () -> assertEquals(Reason.MALFORMED, assertThrows(SubmissionException.class,
                () -> submission.submit("acc-alice", "alice@local.test", List.of("carol@remote.test"),
                        new ByteArrayInputStream(m.getBytes(StandardCharsets.UTF_8)))).reason(), m.replace("\r", "<CR>"))));
        send("alice@local.test", List.of("carol@remote.test"), "From: alice@local.test\r\n\r\nfine\r\n");
        TestPeers.poll(() -> mx.received.size(), n -> n == 1, 30);
        Thread.sleep(300);
        assertEquals(1, mx.received.size(), "none of the others was sent");
    }

    /** The From addresses Python's email package (policy.default) reads in a From value. */
    private static List<String> receiverReads(String fromValue) throws Exception {
        String script = "import sys, email\n"
                + "from email import policy\n"
                + "m = email.message_from_bytes(b'From: ' + sys.argv[1].encode() + b'\\r\\n\\r\\nx', policy=policy.default)\n"
                + "print(','.join(a.username + '@' + a.domain for a in m['from'].addresses))\n";
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, fromValue).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return out.isEmpty() ? List.of() : List.of(out.split(","));
    }

    // ---- privacy ----

    /** Resent-Bcc is the Bcc of a resent message (RFC 5322 3.6.6): its blind recipients were shown to everyone. */
    @Test
    void resentBccNeverReachesTheRemoteServer() throws Exception {
        send("alice@local.test", List.of("carol@remote.test"), "From: alice@local.test\r\nTo: carol@remote.test\r\n"
                + "Resent-From: alice@local.test\r\nResent-Bcc: hidden@remote.test\r\nRESENT-BCC :\r\n\tother@remote.test\r\n"
                + "Subject: resent\r\n\r\nhi\r\n");
        TestPeers.poll(() -> mx.received.size(), n -> n == 1, 30);
        String got = mx.received.get(0).text();
        assertFalse(got.contains("hidden@remote.test") || got.contains("other@remote.test"), got);
        assertTrue(got.contains("Resent-From: alice@local.test"), got);
    }

    /**
     * With {@code hostname} empty the configuration promises org.postern.tls's host name; the
     * Received field and the EHLO name were this machine's canonical name instead (an internal
     * name, a container id or a bare IP), which then reached every recipient.
     */
    @Test
    void withoutAConfiguredHostNameReceivedAndEhloNameTheTlsHostNotTheMachine() throws Exception {
        ServerTls tls = new ServerTls() {
            @Override
            public SSLContext context() {
                throw new UnsupportedOperationException();
            }

            @Override
            public String hostname() {
                return "public.postern.test";
            }
        };
        queue.stop();
        OutboundConfig outbound = (OutboundConfig) Proxy.newProxyInstance(OutboundConfig.class.getClassLoader(),
                new Class<?>[] {OutboundConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "remote_port" -> mx.port();
                    case "poll_ms" -> 100;
                    case "private_destinations" -> true; // the test MX is on loopback
                    default -> method.getDefaultValue();
                });
        queue = queue(OutboundSettings.from(outbound));
        queue.serverTls = tls;
        SubmissionService configured = new SubmissionService(SubmissionServerTest.config(Map.of()));
        configured.queue = queue;
        configured.policy = new TestPeers.Policy();
        configured.serverTls = tls;
        configured.submit("acc-alice", "alice@local.test", List.of("carol@remote.test"),
                new ByteArrayInputStream("From: alice@local.test\r\n\r\nhi\r\n".getBytes(StandardCharsets.UTF_8)), "ESMTPSA");
        TestPeers.poll(() -> mx.received.size(), n -> n == 1, 30);
        String got = mx.received.get(0).text();
        assertTrue(got.startsWith("Received: by public.postern.test (Postern) with ESMTPSA id "), got);
        assertTrue(got.contains("Message-ID: <") && got.contains("@public.postern.test>"), got);
        assertTrue(mx.transcript.contains("EHLO public.postern.test"), mx.transcript.toString());
    }

    // ---- the envelope as sent on ----

    /**
     * "MAIL FROM:&lt;alice@local.test\r&gt;" on the submission port: the address parses (MailAddress
     * trims), so the check passed, and the text as typed, bare CR and all, became the outbound
     * MAIL FROM line, where a server that ends lines at CR sees two commands.
     */
    @Test
    void aBareCrInTheEnvelopeSenderIsNotPassedToTheRemoteServer() throws Exception {
        SubmissionServer server = submissionServer();
        try (SSLSocket s = (SSLSocket) TrustAll.context().getSocketFactory().createSocket("127.0.0.1",
                server.implicitAddress().getPort())) {
            s.setSoTimeout(10_000);
            Smtp c = new Smtp(s);
            assertTrue(c.reply().startsWith("220"));
            assertTrue(c.command("EHLO client.test").startsWith("250"));
            String plain = Base64.getEncoder().encodeToString(("\0alice@local.test\0" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            assertTrue(c.command("AUTH PLAIN " + plain).startsWith("235"));
            assertTrue(c.command("MAIL FROM:<alice@local.test\r>").startsWith("250"));
            assertTrue(c.command("RCPT TO:<carol@remote.test>").startsWith("250"));
            assertTrue(c.command("DATA").startsWith("354"));
            String end = c.command("From: alice@local.test\r\nSubject: cr\r\n\r\nhi\r\n.");
            assertTrue(end.startsWith("250") || end.startsWith("5"), end);
            c.command("QUIT");
        } finally {
            server.stop();
        }
        TestPeers.poll(() -> mx.received.size(), n -> n == 1, 30);
        assertEquals("alice@local.test", mx.received.get(0).sender().replace("\r", "<CR>"));
        for (String line : mx.transcript) {
            assertFalse(line.contains("\r"), "a bare CR reached the remote server: " + line.replace("\r", "<CR>"));
        }
    }

    /** In-process callers: recipients as given ("&lt;a&gt;", trailing CRLF, case) went into RCPT TO verbatim. */
    @Test
    void inProcessEnvelopeAddressesAreSentInTheirNormalForm() throws Exception {
        submission.submit("acc-alice", "Alice@Local.Test", List.of("<carol@remote.test>", "Carol@Remote.Test\r\n",
                "dan@remote.test"), new ByteArrayInputStream("From: alice@local.test\r\n\r\nhi\r\n".getBytes(StandardCharsets.UTF_8)));
        TestPeers.poll(() -> mx.received.size(), n -> n == 1, 30);
        assertEquals("alice@local.test", mx.received.get(0).sender());
        assertEquals(List.of("carol@remote.test", "dan@remote.test"), mx.received.get(0).recipients(),
                "normal form, once each");
        assertTrue(mx.transcript.stream().noneMatch(l -> l.contains("<<") || l.contains("\r")), mx.transcript.toString());
    }

    // ---- a remote server that will not let go ----

    private static SmtpClient client() {
        return new SmtpClient(new SmtpClient.Settings("client.postern.test", 2000, 1000));
    }

    /**
     * The server takes the message (354) and stops reading: SO_TIMEOUT bounds no write, so the
     * sending thread blocked for ever, its lease renewed all along: the message was never retried
     * or bounced, and a few such servers took every sending thread of the node.
     */
    @Test
    void aServerThatStopsReadingDuringDataCostsATimeoutNotAThread() throws Exception {
        try (ScriptedServer server = new ScriptedServer((in, out) -> {
            out.write("220 stall.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
            String line;
            while ((line = ScriptedServer.line(in)) != null) {
                if (line.equals("DATA")) {
                    out.write("354 go ahead\r\n".getBytes(StandardCharsets.US_ASCII));
                    Thread.sleep(120_000); // never reads the message
                    return;
                }
                out.write((line.startsWith("EHLO") ? "250 stall.test\r\n" : "250 Ok\r\n").getBytes(StandardCharsets.US_ASCII));
            }
        })) {
            long size = 512L * 1024 * 1024;
            SmtpClient.SessionFailure f = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThrows(
                    SmtpClient.SessionFailure.class, () -> client().send(InetAddress.getLoopbackAddress(), server.port(),
                            "stall.test", SmtpClient.TlsPlan.opportunistic(TrustAll.context()), "alice@local.test", List.of("carol@remote.test"),
                            size, true, false, () -> endless(size))));
            assertTrue(f.getMessage().contains("timeout"), f.getMessage());
            assertFalse(f.permanent());
        }
    }

    /** The greeting comes a byte every 100 ms: each read() is quick, the reply never ends (100 lines of 4096 octets). */
    @Test
    void aServerThatTricklesItsReplyCostsATimeoutNotAThread() throws Exception {
        try (ScriptedServer server = new ScriptedServer((in, out) -> {
            out.write("220-".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 100_000; i++) {
                out.write('x');
                out.flush();
                Thread.sleep(100);
            }
        })) {
            SmtpClient.SessionFailure f = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(
                    SmtpClient.SessionFailure.class, () -> client().send(InetAddress.getLoopbackAddress(), server.port(),
                            "slow.test", SmtpClient.TlsPlan.opportunistic(TrustAll.context()), "alice@local.test", List.of("carol@remote.test"),
                            10, true, false, () -> new ByteArrayInputStream("x\r\n".getBytes(StandardCharsets.US_ASCII)))));
            assertTrue(f.getMessage().contains("timeout"), f.getMessage());
        }
    }

    /** A message of {@code size} octets made as it is read: lines of 'x'. */
    private static InputStream endless(long size) {
        return new InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? (left % 78 == 0 ? '\n' : left % 78 == 1 ? '\r' : 'x') : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                for (int i = 0; i < n; i++) {
                    b[off + i] = (byte) read();
                }
                return n;
            }
        };
    }

    // ---- DKIM ----

    /**
     * Without SMTPUTF8 a header may carry 8-bit octets (a Latin-1 Subject from an old client): the
     * signer decoded the field as UTF-8, so it signed U+FFFD where the wire has 0xE9, and every
     * verifier rejected the signature.
     */
    @Test
    void aHeaderWithLatin1OctetsIsSignedAsSent() throws Exception {
        DkimKeyStore store = new DkimKeyStore(data.resolve("dkim"));
        PublicKeyRecord rsa = store.create("example.net", Algorithm.RSA_SHA256, "r1");
        PublicKeyRecord ed = store.create("example.net", Algorithm.ED25519_SHA256, "e1");
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.writeBytes("From: alice@example.net\r\nTo: carol@remote.test\r\nSubject: caf".getBytes(StandardCharsets.US_ASCII));
        m.write(0xE9); // é in Latin-1
        m.writeBytes(" cr\u00e8me\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8)); // and UTF-8 beside it
        byte[] message = m.toByteArray();
        byte[] sig = DkimSigner.sign(new ByteArrayInputStream(message), store.signingKeys("example.net"), Instant.now());
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        signed.writeBytes(sig);
        signed.writeBytes(message);
        assertEquals("2 signatures verified", verify(signed.toByteArray(), rsa, ed));
    }

    /**
     * Anyone holding one signed message of alice's (every recipient does) could add a Reply-To, or
     * a second Subject above the signed one (verifiers take instances bottom-up, mail clients
     * show the top one), and replay it: only From was over-signed, so both signatures still
     * verified and DMARC passed for alice's domain with the attacker's Reply-To.
     */
    @Test
    void fieldsAddedToASignedMessageBreakTheSignature() throws Exception {
        DkimKeyStore store = new DkimKeyStore(data.resolve("dkim"));
        PublicKeyRecord rsa = store.create("example.net", Algorithm.RSA_SHA256, "r1");
        PublicKeyRecord ed = store.create("example.net", Algorithm.ED25519_SHA256, "e1");
        String original = "From: alice@example.net\r\nTo: carol@remote.test\r\nSubject: lunch?\r\n"
                + "Date: Wed, 2 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@example.net>\r\n\r\nAt noon.\r\n";
        byte[] message = original.getBytes(StandardCharsets.UTF_8);
        String sig = new String(DkimSigner.sign(new ByteArrayInputStream(message), store.signingKeys("example.net"),
                Instant.now()), StandardCharsets.UTF_8);
        assertEquals("2 signatures verified", verify((sig + original).getBytes(StandardCharsets.UTF_8), rsa, ed));
        for (String added : List.of("Subject: URGENT: new bank details\r\n", "Reply-To: eve@evil.test\r\n",
                "Cc: mallory@evil.test\r\n", "Content-Type: text/html\r\n")) {
            byte[] replayed = (sig + added + original).getBytes(StandardCharsets.UTF_8);
            assertEquals("0 signatures verified", verify(replayed, rsa, ed), added);
        }
    }

    private String verify(byte[] message, PublicKeyRecord... records) throws Exception {
        return DkimTest.dkimpy(data, message, records);
    }

    // ---- helpers ----

    /** The submission ports in front of {@link #submission}, alice's password accepted. */
    private SubmissionServer submissionServer() throws IOException {
        int tlsPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            tlsPort = s.getLocalPort();
        }
        SubmissionServer server = new SubmissionServer(SubmissionServerTest.config(Map.of("port", 0, "tls_port", tlsPort)));
        server.submission = submission;
        server.policy = new TestPeers.Policy();
        server.authenticator = new Authenticator() {
            @Override
            public CompletionStage<Optional<Login>> login(Protocol protocol, String username, char[] secret,
                    InetAddress client) {
                boolean ok = username.equals("alice@local.test") && new String(secret).equals(PASSWORD);
                java.util.Arrays.fill(secret, '\0');
                return CompletableFuture.completedFuture(ok ? Optional.of(new SubmissionServerTest.TestLogin())
                        : Optional.empty());
            }
        };
        server.serverTls = new ServerTls() {
            @Override
            public SSLContext context() {
                try {
                    return Tls.selfSigned(data.resolve("tls"), "mail.postern.test");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public String hostname() {
                return "mail.postern.test";
            }
        };
        server.start();
        return server;
    }

    /** A raw SMTP client: commands as given (CR and all), replies joined. */
    private static final class Smtp {
        private final InputStream in;
        private final OutputStream out;

        Smtp(Socket s) throws IOException {
            in = s.getInputStream();
            out = s.getOutputStream();
        }

        String command(String c) throws IOException {
            out.write((c + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reply();
        }

        String reply() throws IOException {
            StringBuilder all = new StringBuilder();
            String line;
            do {
                line = ScriptedServer.line(in);
                all.append(all.length() == 0 ? "" : "\n").append(line);
            } while (line != null && line.length() > 3 && line.charAt(3) == '-');
            return all.toString();
        }
    }

    /** A one-connection server running a script, for servers TestPeers.RemoteMx is too polite to be. */
    static final class ScriptedServer implements AutoCloseable {
        interface Script {
            void run(InputStream in, OutputStream out) throws Exception;
        }

        private final ServerSocket server;
        private final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

        ScriptedServer(Script script) throws IOException {
            server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                try {
                    Socket s = server.accept();
                    accepted.add(s);
                    s.setReceiveBufferSize(4096);
                    script.run(s.getInputStream(), s.getOutputStream());
                } catch (Exception e) {
                    // the test is over
                }
            }, "test-scripted-server");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    byte[] bytes = b.toByteArray();
                    int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, n, StandardCharsets.UTF_8);
                }
                b.write(c);
            }
            return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : new ArrayList<>(accepted)) {
                s.close(); // frees a client stuck on this server when the test failed
            }
        }
    }
}
