package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.postern.dns.testing.LoopbackDnsServer;
import org.postern.itests.PosternProcess.ClientResult;

/**
 * Outbound TLS policy through the real distribution, with no smart host: the queue looks up MX,
 * MTA-STS and TLSA records in a test DNS server, fetches MTA-STS policies from a test HTTPS host
 * and delivers to a test MX that offers STARTTLS with a certificate chosen by the name the
 * client asks for. An MTA-STS {@code enforce} domain whose MX shows a bad certificate gets
 * nothing, neither over that TLS nor in clear, and the queue says why (4.7.5); one with a good
 * certificate gets its mail over TLS. A DNSSEC-signed domain with a TLSA record gets mail only
 * from a server whose key the record pins.
 */
public class OutboundTlsIT {
    private static PosternProcess postern;
    private static String admin;
    private static LoopbackDnsServer dns;
    private static TestPki pki;
    private static RemoteMx mx;
    private static MtaStsPolicyServer policies;
    private static String alice;
    private static String secret;

    @BeforeClass
    public static void start() throws Exception {
        pki = new TestPki("Postern Test CA");
        TestPki.Leaf good = pki.leaf("mx.good.test");
        TestPki.Leaf pinned = TestPki.selfSigned("mx.dane.test"); // DANE-EE: no CA, no name check
        TestPki.Leaf bad = TestPki.selfSigned("mx.bad.test");
        mx = new RemoteMx(TestPki.serverContext(bad, Map.of("mx.good.test", good, "mx.dane.test", pinned,
                "mx.danebad.test", pinned)));
        policies = new MtaStsPolicyServer(pki.leaf("mta-sts.good.test", "mta-sts.bad.test").serverContext());
        for (String domain : new String[] {"good.test", "bad.test"}) {
            policies.policy("mta-sts." + domain, MtaStsPolicyServer.policyText("enforce", 86400, "mx." + domain));
        }

        dns = new LoopbackDnsServer();
        for (String domain : new String[] {"good.test", "bad.test", "dane.test", "danebad.test"}) {
            dns.mx(domain, 10, "mx." + domain).a("mx." + domain, "127.0.0.1");
        }
        dns.txt("_mta-sts.good.test", "v=STSv1; id=20261203;").a("mta-sts.good.test", "127.0.0.1");
        dns.txt("_mta-sts.bad.test", "v=STSv1; id=20261203;").a("mta-sts.bad.test", "127.0.0.1");
        dns.tlsa("_" + mx.port() + "._tcp.mx.dane.test", 3, 1, 1, pinned.spkiSha256());
        dns.tlsa("_" + mx.port() + "._tcp.mx.danebad.test", 3, 1, 1, TestPki.selfSigned("other.test").spkiSha256());
        dns.authenticateAll(true); // a validating resolver vouching for every answer (DANE needs the AD bit)

        postern = PosternProcess.unpack("outbound-tls");
        Path ca = pki.writeCaPem(Files.createTempFile("postern-test-ca", ".pem"));
        postern.setConfig("org.postern.dns.cfg", "servers", dns.servers());
        postern.setConfig("org.postern.outbound.cfg", "remote.port", String.valueOf(mx.port()));
        postern.setConfig("org.postern.outbound.cfg", "mta.sts.port", String.valueOf(policies.port()));
        postern.setConfig("org.postern.outbound.cfg", "tls.trust.file", ca.toString());
        postern.setConfig("org.postern.outbound.cfg", "private.destinations", "true"); // every test host is 127.0.0.1
        postern.setConfig("org.postern.outbound.cfg", "retry.initial.seconds", "1");
        postern.setConfig("org.postern.outbound.cfg", "retry.max.seconds", "2");
        postern.setConfig("org.postern.outbound.cfg", "unreachable.pause.seconds", "0");
        postern.setConfig("org.postern.outbound.cfg", "poll.ms", "200");
        postern.setConfig("org.postern.outbound.cfg", "hostname", "out.postern.test");
        postern.start();
        admin = postern.adminPassword(120);
        ok("postern:domain-add example.net");
        alice = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "@example.net";
        ok("postern:account-add " + alice + " --password-file " + postern.passwordFile("account password 12345"));
        String out = PosternProcess.stripAnsi(ok("postern:app-password-create " + alice + " --name laptop --protocols smtp"));
        String[] lines = out.strip().split("\\R");
        secret = lines[lines.length - 1].strip();
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
        if (policies != null) {
            policies.close();
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

    private static <T> T poll(Supplier<T> what, Predicate<T> until, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        T v = what.get();
        while (!until.test(v)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + seconds + " s: " + v + "\n" + postern.tail());
            }
            Thread.sleep(250);
            v = what.get();
        }
        return v;
    }

    /** Angus Mail submits over 5587 with STARTTLS and the app password; returns the subject marker. */
    private static String submit(String to) throws Exception {
        String marker = "m" + UUID.randomUUID().toString().replace("-", "");
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(postern.submissionPort));
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.ssl.checkserveridentity", "false");
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.timeout", "30000");
        Session s = Session.getInstance(p);
        MimeMessage m = new MimeMessage(s);
        m.setFrom(new InternetAddress(alice));
        m.setRecipients(Message.RecipientType.TO, to);
        m.setSubject("TLS policy " + marker);
        m.setText("Secret business " + marker, "utf-8");
        try (Transport t = s.getTransport("smtp")) {
            t.connect(alice, secret);
            t.sendMessage(m, m.getAllRecipients());
        }
        return marker;
    }

    private static RemoteMx.Received arrived(String marker) throws Exception {
        return poll(() -> mx.received.stream().filter(r -> r.text().contains(marker)).findFirst().orElse(null),
                r -> r != null, 60);
    }

    /** What queue-show says of the queued message for a recipient, once it says {@code text}. */
    private static String queuedWith(String recipient, String text) throws Exception {
        return poll(() -> {
            try {
                for (String line : PosternProcess.stripAnsi(ok("postern:queue-list")).lines().toList()) {
                    if (line.matches("[0-9a-f]{32} .*")) {
                        String shown = PosternProcess.stripAnsi(ok("postern:queue-show " + line.substring(0, 32)));
                        if (shown.contains(recipient)) {
                            return shown;
                        }
                    }
                }
                return "";
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, s -> s.contains(text), 90);
    }

    @Test
    public void anMtaStsEnforceDomainGetsMailOnlyOverTlsWithAValidCertificate() throws Exception {
        String marker = submit("carol@good.test");
        RemoteMx.Received r = arrived(marker);
        assertTrue("over TLS", r.tls());
        assertEquals("mx.good.test", r.sni());
        assertTrue("the policy was fetched", policies.requests("mta-sts.good.test") >= 1);
    }

    @Test
    public void anMtaStsEnforceDomainWithABadCertificateIsNotDeliveredInClear() throws Exception {
        int failedBefore = mx.failedHandshakes.get();
        String marker = submit("dave@bad.test");
        String shown = queuedWith("dave@bad.test", "4.7.5");
        assertTrue(shown, shown.contains("PENDING"));
        assertTrue(shown, shown.contains("TLS with mx.bad.test failed where the MTA-STS policy of bad.test requires it"));
        poll(() -> mx.failedHandshakes.get(), n -> n > failedBefore, 30); // it tried TLS and refused the certificate
        // retried every 1-2 s: wait for a third attempt; none of them may hand the message over, in any form
        queuedWith("dave@bad.test", "attempts:     3");
        assertTrue("never delivered, in clear or otherwise",
                mx.received.stream().noneMatch(x -> x.text().contains(marker)));
        assertTrue("the policy was fetched", policies.requests("mta-sts.bad.test") >= 1);
    }

    @Test
    public void aDaneDomainGetsMailOnlyFromTheServerItsTlsaRecordPins() throws Exception {
        String marker = submit("erin@dane.test");
        RemoteMx.Received r = arrived(marker);
        assertTrue("over TLS", r.tls());
        assertEquals("mx.dane.test", r.sni());

        String refused = submit("frank@danebad.test");
        String shown = queuedWith("frank@danebad.test", "4.7.5");
        assertTrue(shown, shown.contains("where DANE requires it"));
        queuedWith("frank@danebad.test", "attempts:     3");
        assertTrue("a key the TLSA record does not pin gets nothing",
                mx.received.stream().noneMatch(x -> x.text().contains(refused)));
    }
}
