package org.postern.submission.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.address.MailAddress;
import org.postern.api.auth.Authenticator;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.MxRecord;
import org.postern.api.store.DataDirectory;
import org.postern.protocol.ServerTls;
import org.postern.protocol.Tls;

/** The submission ports with a real SMTP client (Angus Mail) and by hand for what clients never do. */
class SubmissionServerTest {
    private static final String PASSWORD = "alice app password";

    @TempDir
    Path data;
    private TestPeers.RemoteMx mx;
    private OutboundQueue queue;
    private SubmissionServer server;
    private final List<String> loginsAsked = new CopyOnWriteArrayList<>();
    private final List<TestLogin> logins = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        System.setProperty(DataDirectory.PROPERTY, data.toString());
        mx = new TestPeers.RemoteMx();
        TestPeers.Blobs blobs = new TestPeers.Blobs();
        TestPeers.Dns dns = new TestPeers.Dns();
        dns.mx.put("remote.test", DnsAnswer.ok(List.of(new MxRecord(10, "mx.remote.test")), false, 60));
        queue = new OutboundQueue(new OutboundSettings("out.postern.test", null, mx.port(), 2, 2, Duration.ofSeconds(1),
                Duration.ofSeconds(2), Duration.ofHours(1), Duration.ZERO, Duration.ofMillis(100), Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(60)));
        queue.repository = new TestPeers.Queue(blobs);
        queue.blobs = blobs;
        queue.mailStore = new TestPeers.Mailboxes(blobs);
        queue.policy = new TestPeers.Policy();
        queue.dns = dns;
        queue.start();
        SubmissionService submission = new SubmissionService("mail.postern.test", 1_000_000, 10, new String[] {"X-Mailer"},
                100, 100);
        submission.queue = queue;
        submission.policy = new TestPeers.Policy();
        server = new SubmissionServer(config(Map.of("port", 0, "tls_port", freePort(), "max_errors", 100)));
        server.submission = submission;
        server.policy = new TestPeers.Policy();
        server.authenticator = new Authenticator() {
            @Override
            public CompletionStage<Optional<Login>> login(Protocol protocol, String username, char[] secret,
                    InetAddress client) {
                loginsAsked.add(protocol + " " + username);
                boolean ok = protocol == Protocol.SMTP && username.equals("alice@local.test")
                        && new String(secret).equals(PASSWORD);
                java.util.Arrays.fill(secret, '\0');
                return CompletableFuture.supplyAsync(() -> {
                    if (!ok) {
                        return Optional.empty();
                    }
                    TestLogin l = new TestLogin();
                    logins.add(l);
                    return Optional.of(l);
                });
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
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
        queue.stop();
        mx.close();
    }

    /** The typed configuration with its defaults, some values replaced. */
    static SubmissionConfig config(Map<String, Object> values) {
        return (SubmissionConfig) Proxy.newProxyInstance(SubmissionConfig.class.getClassLoader(),
                new Class<?>[] {SubmissionConfig.class}, (proxy, method, args) -> {
                    Object v = values.get(method.getName());
                    return v != null ? v : method.getDefaultValue();
                });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private MimeMessage message(Session session, String from) throws Exception {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(from));
        m.setRecipients(Message.RecipientType.TO, "carol@remote.test");
        m.setSubject("submitted");
        m.setText("Hello from the submission port.\r\n.leading dot\r\n", "utf-8");
        m.setHeader("X-Mailer", "Angus Mail test");
        return m;
    }

    private Session starttls() {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.localAddress().getPort()));
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.ssl.checkserveridentity", "false");
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.timeout", "20000");
        return Session.getInstance(p);
    }

    @Test
    void aMailClientSubmitsOverStarttlsAndTheMessageReachesTheRemoteMx() throws Exception {
        Session s = starttls();
        Transport.send(message(s, "alice@local.test"), "alice@local.test", PASSWORD);
        TestPeers.poll(() -> mx.received.size(), n -> n == 1, 30);
        String got = mx.received.get(0).text();
        assertEquals("alice@local.test", mx.received.get(0).sender());
        assertTrue(got.startsWith("Received: by mail.postern.test (Postern) with ESMTPSA id "), got);
        assertFalse(got.contains("127.0.0.1"), "no client address");
        assertFalse(got.contains("Angus Mail test"), "no client software");
        assertTrue(got.contains("Hello from the submission port."), got);
        assertEquals(List.of("SMTP alice@local.test"), loginsAsked);
    }

    @Test
    void aMailClientSubmitsOverImplicitTlsWithAuthLogin() throws Exception {
        Properties p = new Properties();
        p.put("mail.smtps.host", "127.0.0.1");
        p.put("mail.smtps.port", String.valueOf(server.implicitAddress().getPort()));
        p.put("mail.smtps.ssl.trust", "*");
        p.put("mail.smtps.ssl.checkserveridentity", "false");
        p.put("mail.smtps.auth", "true");
        p.put("mail.smtps.auth.mechanisms", "LOGIN");
        p.put("mail.smtps.timeout", "20000");
        Session s = Session.getInstance(p);
        try (Transport t = s.getTransport("smtps")) {
            t.connect("alice@local.test", PASSWORD);
            MimeMessage m = message(s, "alice@local.test");
            t.sendMessage(m, m.getAllRecipients());
        }
        TestPeers.poll(() -> mx.received.size(), n -> n == 1, 30);
    }

    @Test
    void aWrongPasswordAndAForeignSenderAreRefused() throws Exception {
        Session s = starttls();
        assertThrows(AuthenticationFailedException.class,
                () -> Transport.send(message(s, "alice@local.test"), "alice@local.test", "wrong"));
        jakarta.mail.MessagingException envelope = assertThrows(jakarta.mail.MessagingException.class,
                () -> Transport.send(message(s, "bob@local.test"), "alice@local.test", PASSWORD));
        assertTrue(envelope.getMessage().contains("553 5.7.1 <bob@local.test>: Sender address rejected"),
                envelope.getMessage());
        // the envelope is alice's, the From header is not: refused at the end of DATA
        Session withEnvelope = starttls();
        withEnvelope.getProperties().put("mail.smtp.from", "alice@local.test");
        jakarta.mail.MessagingException header = assertThrows(jakarta.mail.MessagingException.class,
                () -> Transport.send(message(withEnvelope, "bob@local.test"), "alice@local.test", PASSWORD));
        assertTrue(header.getMessage().contains("550 5.7.1 From header rejected"), header.getMessage());
        Thread.sleep(300);
        assertTrue(mx.received.isEmpty());
    }

    /** A raw conversation on the STARTTLS port, in clear text. */
    private List<String> converse(String... commands) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.localAddress().getPort())) {
            socket.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            List<String> replies = new ArrayList<>();
            replies.add(in.readLine());
            for (String c : commands) {
                out.write((c + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                String line;
                StringBuilder all = new StringBuilder();
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
    void inClearTextThereIsNoAuthAndNoRelay() throws Exception {
        String plain = Base64.getEncoder().encodeToString(("\0alice@local.test\0" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        List<String> r = converse("EHLO client.test", "AUTH PLAIN " + plain, "MAIL FROM:<alice@local.test>",
                "RCPT TO:<carol@remote.test>", "QUIT");
        assertTrue(r.get(1).contains("STARTTLS"), r.get(1));
        assertFalse(r.get(1).contains("AUTH"), "AUTH is not offered before TLS: " + r.get(1));
        assertEquals("538 5.7.11 Encryption required for requested authentication mechanism", r.get(2));
        assertEquals("530 5.7.0 Authentication required", r.get(3));
        assertTrue(r.get(4).startsWith("503"), r.get(4));
        assertTrue(loginsAsked.isEmpty(), "the password sent in clear was never checked");
    }

    /** A login the test can revoke. */
    static final class TestLogin implements Login {
        private final List<Runnable> onRevoked = new CopyOnWriteArrayList<>();
        volatile boolean revoked;

        @Override
        public String accountId() {
            return "acc-alice";
        }

        @Override
        public MailAddress address() {
            return MailAddress.parse("alice@local.test");
        }

        @Override
        public Protocol protocol() {
            return Protocol.SMTP;
        }

        @Override
        public boolean isRevoked() {
            return revoked;
        }

        @Override
        public void onRevoked(Runnable action) {
            onRevoked.add(action);
        }

        void revoke() {
            revoked = true;
            onRevoked.forEach(Runnable::run);
        }

        @Override
        public void close() {
        }
    }
}
