package org.postern.submission.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.MxRecord;
import org.postern.api.dns.TlsaRecord;
import org.postern.core.store.OutboundRepository.RecipientState;

/**
 * TLS per destination, against a real STARTTLS listener: MTA-STS enforce and DANE make TLS
 * mandatory and authenticated, and a destination that cannot meet them keeps its mail queued;
 * without either, STARTTLS is opportunistic.
 */
class RemoteDeliveryTlsTest {
    private static final String DOMAIN = "sts.test";
    private static final String MX_HOST = "mx.sts.test";
    private static final String ENFORCE = "version: STSv1\nmode: enforce\nmx: " + MX_HOST + "\nmax_age: 86400\n";

    @TempDir
    Path dir;

    private Mx mx;

    @AfterEach
    void stop() throws IOException {
        if (mx != null) {
            mx.close();
        }
    }

    /** An MX that offers STARTTLS with the given identity (or none), and records each message and how it came. */
    static final class Mx implements AutoCloseable {
        record Received(boolean tls, String data) {
        }

        final List<Received> received = new CopyOnWriteArrayList<>();
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger failedHandshakes = new AtomicInteger();
        /** AUTH lines as received, and whether each came over TLS. */
        final List<String> auths = new CopyOnWriteArrayList<>();
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final SSLContext tls;

        Mx(SSLContext tls) throws IOException {
            this.tls = tls;
            Thread t = new Thread(this::serve, "test-mx");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    connections.incrementAndGet();
                    s.setSoTimeout(10_000);
                    session(s);
                } catch (IOException e) {
                    // next connection
                }
            }
        }

        private void session(Socket plain) throws IOException {
            Socket s = plain;
            boolean secure = false;
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            send(out, "220 " + MX_HOST + " ESMTP");
            String line;
            while ((line = TestPeers.RemoteMx.readLineForTests(in)) != null) {
                String upper = line.toUpperCase();
                if (upper.startsWith("EHLO")) {
                    send(out, tls != null && !secure ? "250-" + MX_HOST + "\r\n250 STARTTLS"
                            : "250-" + MX_HOST + "\r\n250 AUTH LOGIN PLAIN");
                } else if (upper.startsWith("AUTH ")) {
                    auths.add((secure ? "tls " : "clear ") + line);
                    boolean good = line.equals("AUTH PLAIN " + Base64.getEncoder().encodeToString(
                            "\0relay-user\0relay secret".getBytes(StandardCharsets.UTF_8)));
                    send(out, good ? "235 2.7.0 ok" : "535 5.7.8 bad credentials");
                } else if (upper.equals("STARTTLS") && tls != null && !secure) {
                    send(out, "220 go ahead");
                    SSLSocket t = (SSLSocket) tls.getSocketFactory().createSocket(s, null, s.getPort(), true);
                    t.setUseClientMode(false);
                    try {
                        t.startHandshake();
                    } catch (IOException e) {
                        failedHandshakes.incrementAndGet();
                        return;
                    }
                    s = t;
                    in = t.getInputStream();
                    out = t.getOutputStream();
                    secure = true;
                } else if (upper.equals("DATA")) {
                    send(out, "354 go ahead");
                    StringBuilder data = new StringBuilder();
                    String l;
                    while ((l = TestPeers.RemoteMx.readLineForTests(in)) != null && !l.equals(".")) {
                        data.append(l).append('\n');
                    }
                    received.add(new Received(secure, data.toString()));
                    send(out, "250 2.0.0 queued");
                } else if (upper.equals("QUIT")) {
                    send(out, "221 bye");
                    return;
                } else {
                    send(out, "250 ok");
                }
            }
        }

        private static void send(OutputStream out, String reply) throws IOException {
            out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /** DNS for sts.test: one MX, its address, maybe TLSA; AD set as told. */
    private static final class Dns extends TestPeers.Dns {
        volatile boolean secure;
        volatile DnsAnswer<TlsaRecord> tlsa = DnsAnswer.none(DnsAnswer.Status.NXDOMAIN, false, 60);
        volatile DnsAnswer<String> txt = DnsAnswer.none(DnsAnswer.Status.NXDOMAIN, false, 60);
        /** The AAAA answer when set (an attacker who makes the resolver fail it), else NODATA. */
        volatile DnsAnswer<InetAddress> aaaa;

        @Override
        public CompletionStage<DnsAnswer<MxRecord>> mx(String domain) {
            return CompletableFuture.completedFuture(DnsAnswer.ok(List.of(new MxRecord(10, MX_HOST)), secure, 60));
        }

        @Override
        public CompletionStage<DnsAnswer<InetAddress>> a(String name) {
            return CompletableFuture.completedFuture(DnsAnswer.ok(List.of(InetAddress.getLoopbackAddress()), secure, 60));
        }

        @Override
        public CompletionStage<DnsAnswer<InetAddress>> aaaa(String name) {
            DnsAnswer<InetAddress> set = aaaa;
            return CompletableFuture.completedFuture(set != null ? set : DnsAnswer.none(DnsAnswer.Status.NODATA, secure, 60));
        }

        @Override
        public CompletionStage<DnsAnswer<TlsaRecord>> tlsa(String name) {
            assertEquals("_" + 0 + "._tcp." + MX_HOST, name.replaceFirst("_\\d+\\.", "_0."));
            return CompletableFuture.completedFuture(tlsa);
        }

        @Override
        public CompletionStage<DnsAnswer<String>> txt(String name) {
            return CompletableFuture.completedFuture(txt);
        }
    }

    private final Dns dns = new Dns();

    private boolean privateDestinations = true;

    private RemoteDelivery.Verdicts send(String policyBody, boolean dane, TestCerts.Identity trustedCa) throws Exception {
        SSLContext verified = VerifiedTls.context("");
        if (trustedCa != null) {
            Path pem = dir.resolve("ca.pem");
            Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder().encodeToString(trustedCa.certificate().getEncoded())
                    + "\n-----END CERTIFICATE-----\n");
            verified = VerifiedTls.context(pem.toString());
        }
        MtaStsPolicies sts = policyBody == null ? null
                : new MtaStsPolicies(() -> dns, domain -> policyBody, java.time.Clock.systemUTC(), 2000, 10);
        if (policyBody != null) {
            dns.txt = DnsAnswer.ok(List.of("v=STSv1; id=1;"), false, 60);
        }
        RemoteDelivery d = new RemoteDelivery(dns, new SmtpClient(new SmtpClient.Settings("out.postern.test", 2000, 5000)),
                null, mx.port(), 2000, new RemoteDelivery.TlsContexts(TrustAll.context(), verified), sts, dane, privateDestinations);
        byte[] body = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        return d.deliver(DOMAIN, "alice@local.test", List.of("carol@sts.test"), body.length, false, false,
                () -> new ByteArrayInputStream(body));
    }

    private static void assertKeptQueued(RemoteDelivery.Verdicts v, String why) {
        assertEquals(List.of(RecipientState.PENDING), v.states(), why + ": " + v.replies());
        assertTrue(v.replies().get(0).startsWith("4.7.5"), v.replies().toString());
    }

    @Test
    void mtaStsEnforceWithABadCertificateIsNeverDeliveredInClear() throws Exception {
        mx = new Mx(TestCerts.selfSigned(MX_HOST).serverContext());
        RemoteDelivery.Verdicts v = send(ENFORCE, false, null);
        assertKeptQueued(v, "self-signed under enforce");
        assertTrue(v.replies().get(0).contains("TLS with " + MX_HOST + " failed"), v.replies().toString());
        assertEquals(List.of(), mx.received);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (mx.failedHandshakes.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20); // the server notices the client's alert after the client has moved on
        }
        assertTrue(mx.failedHandshakes.get() >= 1, "the client tried TLS and gave up");
    }

    @Test
    void mtaStsEnforceWithAValidCertificateDeliversOverTls() throws Exception {
        TestCerts.Identity ca = TestCerts.ca("Test CA");
        mx = new Mx(TestCerts.leaf(ca, MX_HOST).serverContext());
        RemoteDelivery.Verdicts v = send(ENFORCE, false, ca);
        assertEquals(List.of(RecipientState.DELIVERED), v.states(), v.replies().toString());
        assertEquals(1, mx.received.size());
        assertTrue(mx.received.get(0).tls());
    }

    @Test
    void mtaStsEnforceWithACertificateForAnotherNameIsRefused() throws Exception {
        TestCerts.Identity ca = TestCerts.ca("Test CA");
        mx = new Mx(TestCerts.leaf(ca, "mx.elsewhere.test").serverContext());
        assertKeptQueued(send(ENFORCE, false, ca), "a valid certificate for another host");
        assertEquals(List.of(), mx.received);
    }

    @Test
    void mtaStsEnforceWithoutStarttlsOrWithAnMxOutsideThePolicyKeepsTheMail() throws Exception {
        mx = new Mx(null);
        assertKeptQueued(send(ENFORCE, false, null), "no STARTTLS under enforce");
        assertEquals(List.of(), mx.received);
        int before = mx.connections.get();
        assertKeptQueued(send("version: STSv1\nmode: enforce\nmx: *.other.test\nmax_age: 86400\n", false, null),
                "MX not in the policy");
        assertEquals(before, mx.connections.get(), "a host the policy does not name is not even connected to");
    }

    @Test
    void withoutAPolicyOrInTestingModeTlsIsOpportunistic() throws Exception {
        mx = new Mx(null);
        assertEquals(List.of(RecipientState.DELIVERED), send(null, true, null).states(), "no STARTTLS: clear text");
        assertEquals(List.of(RecipientState.DELIVERED),
                send("version: STSv1\nmode: testing\nmx: " + MX_HOST + "\nmax_age: 86400\n", true, null).states());
        assertEquals(2, mx.received.size());
        assertTrue(mx.received.stream().noneMatch(Mx.Received::tls));
    }

    @Test
    void daneWithAnAuthenticatedMatchingTlsaRecordDeliversOverTlsAndRefusesAnotherKey() throws Exception {
        TestCerts.Identity own = TestCerts.selfSigned("whatever.test"); // DANE-EE: name and issuer do not matter
        mx = new Mx(own.serverContext());
        dns.secure = true;
        byte[] pin = MessageDigest.getInstance("SHA-256").digest(own.certificate().getPublicKey().getEncoded());
        dns.tlsa = DnsAnswer.ok(List.of(new TlsaRecord(3, 1, 1, pin)), true, 60);
        RemoteDelivery.Verdicts v = send(null, true, null);
        assertEquals(List.of(RecipientState.DELIVERED), v.states(), v.replies().toString());
        assertTrue(mx.received.get(0).tls());

        pin[0] ^= 1;
        dns.tlsa = DnsAnswer.ok(List.of(new TlsaRecord(3, 1, 1, pin)), true, 60);
        assertKeptQueued(send(null, true, null), "a key the TLSA record does not name");
        assertEquals(1, mx.received.size());
    }

    @Test
    void daneNeedsTlsEvenWhenTheServerOffersNoneAndATlsaFailureInASecureZoneDefers() throws Exception {
        mx = new Mx(null);
        dns.secure = true;
        dns.tlsa = DnsAnswer.ok(List.of(new TlsaRecord(3, 1, 1, new byte[32])), true, 60);
        assertKeptQueued(send(null, true, null), "TLSA published, no STARTTLS");
        dns.tlsa = DnsAnswer.failure(DnsAnswer.Status.TEMPFAIL);
        assertKeptQueued(send(null, true, null), "TLSA lookup failed in a signed zone");
        assertEquals(List.of(), mx.received);
    }

    @Test
    void tlsaRecordsWithoutDnssecOrWithDaneOffAreIgnored() throws Exception {
        mx = new Mx(null);
        dns.secure = false;
        dns.tlsa = DnsAnswer.ok(List.of(new TlsaRecord(3, 1, 1, new byte[32])), false, 60);
        assertEquals(List.of(RecipientState.DELIVERED), send(null, true, null).states(), "forged TLSA counts for nothing");
        dns.secure = true;
        dns.tlsa = DnsAnswer.ok(List.of(new TlsaRecord(3, 1, 1, new byte[32])), true, 60);
        assertEquals(List.of(RecipientState.DELIVERED), send(null, false, null).states(), "dane = false");
    }

    @Test
    void anMxOnALoopbackOrPrivateAddressIsNotConnectedToUnlessAllowed() throws Exception {
        mx = new Mx(null);
        privateDestinations = false;
        RemoteDelivery.Verdicts v = send(null, false, null);
        assertEquals(List.of(RecipientState.PENDING), v.states());
        assertTrue(v.replies().get(0).startsWith("4.4.4 " + MX_HOST + " resolves to a private address"), v.replies().toString());
        assertEquals(0, mx.connections.get());
        for (String a : List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.1.1", "100.64.0.1", "0.0.0.0",
                "198.18.0.1", "240.0.0.1", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1", "::127.0.0.1",
                "64:ff9b::7f00:1", "2002:c0a8:0101::1")) {
            assertTrue(RemoteDelivery.isPrivate(InetAddress.getByName(a)), a);
        }
        for (String a : List.of("192.0.2.1", "100.128.0.1", "2001:db8::1", "8.8.8.8", "64:ff9b::808:808",
                "2002:0808:0808::1", "172.32.0.1")) {
            assertTrue(!RemoteDelivery.isPrivate(InetAddress.getByName(a)), a);
        }
    }

    @Test
    void anMxThatGreetsWith5xxIsSkippedAndTheMailWaits() throws Exception {
        try (java.net.ServerSocket refusing = new java.net.ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!refusing.isClosed()) {
                    try (Socket s = refusing.accept()) {
                        s.getOutputStream().write("554 5.7.1 go away\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            RemoteDelivery d = new RemoteDelivery(dns, new SmtpClient(new SmtpClient.Settings("out.postern.test", 2000, 5000)),
                    null, refusing.getLocalPort(), 2000, new RemoteDelivery.TlsContexts(TrustAll.context(),
                    VerifiedTls.context("")), null, false, true);
            byte[] body = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
            RemoteDelivery.Verdicts v = d.deliver(DOMAIN, "alice@local.test", List.of("carol@sts.test"), body.length, false,
                    false, () -> new ByteArrayInputStream(body));
            assertEquals(List.of(RecipientState.PENDING), v.states(), "a banner is not a verdict on the mail: " + v.replies());
            assertTrue(v.replies().get(0).contains("greeted with 554"), v.replies().toString());
        }
    }

    @Test
    void anAttackerWhoMakesTheAaaaLookupFailCannotTurnDaneOff() throws Exception {
        mx = new Mx(null); // STARTTLS stripped, say
        dns.secure = true;
        dns.tlsa = DnsAnswer.ok(List.of(new TlsaRecord(3, 1, 1, new byte[32])), true, 60);
        dns.aaaa = DnsAnswer.failure(DnsAnswer.Status.TEMPFAIL); // the A answer is still signed
        assertKeptQueued(send(null, true, null), "a failed AAAA lookup in a signed zone");
        assertEquals(List.of(), mx.received, "nothing in clear");
    }

    @Test
    void unusableTlsaRecordsDoNotWeakenAnMtaStsEnforcePolicy() throws Exception {
        mx = new Mx(TestCerts.selfSigned(MX_HOST).serverContext()); // an impostor's certificate
        dns.secure = true;
        dns.tlsa = DnsAnswer.ok(List.of(new TlsaRecord(1, 1, 1, new byte[32])), true, 60); // PKIX-EE: unusable in SMTP
        assertKeptQueued(send(ENFORCE, true, null), "PKIX-EE TLSA and an MTA-STS enforce policy");
        assertEquals(List.of(), mx.received);
        int before = mx.connections.get();
        assertKeptQueued(send("version: STSv1\nmode: enforce\nmx: *.other.test\nmax_age: 86400\n", true, null),
                "an MX outside the policy with only unusable TLSA records");
        assertEquals(before, mx.connections.get(), "not even connected to");
    }

    @Test
    void aRefusedEhloBeforeTlsIsNoVerdictOnMailThatNeedsTls() throws Exception {
        try (ServerSocket refusing = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!refusing.isClosed()) {
                    try (Socket s = refusing.accept()) {
                        OutputStream out = s.getOutputStream();
                        InputStream in = s.getInputStream();
                        out.write("220 mx ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                        while (TestPeers.RemoteMx.readLineForTests(in) != null) {
                            out.write("550 5.7.1 injected by someone on the path\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            dns.secure = true;
            dns.tlsa = DnsAnswer.ok(List.of(new TlsaRecord(3, 1, 1, new byte[32])), true, 60);
            RemoteDelivery d = new RemoteDelivery(dns, new SmtpClient(new SmtpClient.Settings("out.postern.test", 2000, 5000)),
                    null, refusing.getLocalPort(), 2000, new RemoteDelivery.TlsContexts(TrustAll.context(),
                    VerifiedTls.context("")), null, true, true);
            byte[] body = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
            RemoteDelivery.Verdicts v = d.deliver(DOMAIN, "alice@local.test", List.of("carol@sts.test"), body.length, false,
                    false, () -> new ByteArrayInputStream(body));
            assertKeptQueued(v, "a clear-text 5xx to EHLO and HELO where DANE requires TLS");
        }
    }

    private RemoteDelivery.Verdicts viaSmartHost(String secret, TestCerts.Identity trustedCa) throws Exception {
        Path pem = dir.resolve("relay-ca.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder().encodeToString(trustedCa.certificate().getEncoded()) + "\n-----END CERTIFICATE-----\n");
        RemoteDelivery d = new RemoteDelivery(dns, new SmtpClient(new SmtpClient.Settings("out.postern.test", 2000, 5000,
                new SmtpClient.Login("relay-user", secret.getBytes(StandardCharsets.UTF_8)))),
                new RemoteDelivery.Route("relay.postern.test", mx.port()), mx.port(), 2000, new RemoteDelivery.TlsContexts(TrustAll.context(), VerifiedTls.context(pem.toString())),
                null, false, true);
        byte[] body = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        return d.deliver(DOMAIN, "alice@local.test", List.of("carol@sts.test"), body.length, false, false,
                () -> new ByteArrayInputStream(body));
    }

    @Test
    void theSmartHostLoginWorksForEveryMessageNotOnlyTheFirst() throws Exception {
        TestCerts.Identity ca = TestCerts.ca("Relay CA");
        mx = new Mx(TestCerts.leaf(ca, "relay.postern.test").serverContext());
        Path pem = dir.resolve("relay-ca.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder().encodeToString(ca.certificate().getEncoded()) + "\n-----END CERTIFICATE-----\n");
        SmtpClient.Login login = new SmtpClient.Login("relay-user", "relay secret".getBytes(StandardCharsets.UTF_8));
        SmtpClient client = new SmtpClient(new SmtpClient.Settings("out.postern.test", 2000, 5000, login));
        RemoteDelivery d = new RemoteDelivery(dns, client, new RemoteDelivery.Route("relay.postern.test", mx.port()),
                mx.port(), 2000, new RemoteDelivery.TlsContexts(TrustAll.context(), VerifiedTls.context(pem.toString())),
                null, false, true);
        byte[] body = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 3; i++) {
            RemoteDelivery.Verdicts v = d.deliver(DOMAIN, "alice@local.test", List.of("carol@sts.test"), body.length, false,
                    false, () -> new ByteArrayInputStream(body));
            assertEquals(List.of(RecipientState.DELIVERED), v.states(), "message " + i + ": " + v.replies());
        }
        assertEquals(3, mx.received.size());
    }

    @Test
    void theSmartHostLoginGoesOnlyOverVerifiedTlsAndARefusalKeepsTheMail() throws Exception {
        TestCerts.Identity ca = TestCerts.ca("Relay CA");
        mx = new Mx(TestCerts.leaf(ca, "relay.postern.test").serverContext());
        RemoteDelivery.Verdicts ok = viaSmartHost("relay secret", ca);
        assertEquals(List.of(RecipientState.DELIVERED), ok.states(), ok.replies().toString());
        assertEquals(1, mx.auths.size());
        assertTrue(mx.auths.get(0).startsWith("tls AUTH PLAIN "), "the login went over TLS");

        RemoteDelivery.Verdicts refused = viaSmartHost("wrong", ca);
        assertEquals(List.of(RecipientState.PENDING), refused.states(), "a wrong relay password is the operator's to fix");
        assertTrue(refused.replies().get(0).contains("refused the smart host login"), refused.replies().toString());
        assertTrue(!refused.replies().get(0).contains("wrong"), "the secret is not in the reply");
        mx.close();

        mx = new Mx(null);
        assertEquals(List.of(RecipientState.PENDING), viaSmartHost("relay secret", ca).states());
        assertEquals(List.of(), mx.auths, "no TLS offered: the password is never sent");
        mx.close();

        mx = new Mx(TestCerts.selfSigned("relay.postern.test").serverContext());
        assertEquals(List.of(RecipientState.PENDING), viaSmartHost("relay secret", ca).states());
        assertEquals(List.of(), mx.auths, "an impostor on the relay's address never gets the password");
        assertEquals(List.of(), mx.received);
    }
}
