package org.postern.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {
    @TempDir
    Path dir;

    @Test
    void selfSignedIsGeneratedOnceAndKept() throws Exception {
        Tls.selfSigned(dir, "mx.example.net");
        Path file = dir.resolve(Tls.SELF_SIGNED_FILE);
        byte[] first = Files.readAllBytes(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Tls.selfSigned(dir, "other.example.net");
        assertArrayEquals(first, Files.readAllBytes(file), "a restart must keep the same certificate");

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, Tls.SELF_SIGNED_PASSWORD);
        }
        X509Certificate cert = (X509Certificate) ks.getCertificate(ks.aliases().nextElement());
        assertTrue(cert.getSubjectX500Principal().getName().contains("CN=mx.example.net"));
        cert.checkValidity();
    }

    // ---- the policy, through real handshakes against an implicit-TLS listener ----

    private Listener listener;

    @org.junit.jupiter.api.AfterEach
    void closeListener() {
        if (listener != null) {
            listener.close();
        }
    }

    /** An implicit-TLS listener that greets and echoes each line's length. */
    private int tlsListener(java.util.function.Supplier<javax.net.ssl.SSLContext> ctx) throws Exception {
        listener = Listener.on("127.0.0.1", 0).implicitTls(ctx).filter("lines", new LineFilter(1000))
                .bind(new LineFilterTest.Describe());
        return listener.localAddress().getPort();
    }

    private static javax.net.ssl.SSLSocket client(int port, String[] protocols, String[] suites) throws Exception {
        javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
        trustAll.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        if (protocols != null) {
            s.setEnabledProtocols(protocols);
        }
        if (suites != null) {
            s.setEnabledCipherSuites(suites);
        }
        return s;
    }

    private static String firstLine(java.net.Socket s) throws Exception {
        return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream())).readLine();
    }

    @Test
    void modernClientsGetAnAeadSuiteAndTheServersOrderWins() throws Exception {
        javax.net.ssl.SSLContext ctx = Tls.selfSigned(dir, "localhost");
        int port = tlsListener(() -> ctx);
        try (javax.net.ssl.SSLSocket s = client(port, new String[] {"TLSv1.3"}, null)) {
            assertEquals("hello", firstLine(s));
            assertEquals("TLSv1.3", s.getSession().getProtocol());
        }
        // The client prefers AES-128; the server's order (the JDK's: AES-256 first) decides.
        try (javax.net.ssl.SSLSocket s = client(port, new String[] {"TLSv1.2"}, new String[] {
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"})) {
            assertEquals("hello", firstLine(s));
            assertEquals("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", s.getSession().getCipherSuite());
        }
    }

    @Test
    void nonAeadSuitesAndStaticRsaAreRefused() throws Exception {
        javax.net.ssl.SSLContext ctx = Tls.selfSigned(dir, "localhost");
        int port = tlsListener(() -> ctx);
        for (String suite : new String[] {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"}) {
            try (javax.net.ssl.SSLSocket s = client(port, new String[] {"TLSv1.2"}, new String[] {suite})) {
                org.junit.jupiter.api.Assertions.assertThrows(javax.net.ssl.SSLException.class, s::startHandshake, suite);
            }
        }
        assertTrue(Tls.isAeadWithForwardSecrecy("TLS_CHACHA20_POLY1305_SHA256"));
        assertTrue(!Tls.isAeadWithForwardSecrecy("TLS_ECDH_anon_WITH_AES_128_GCM_SHA256"));
    }

    @Test
    void tls11IsRefused() throws Exception {
        // OpenSSL, since the JDK's own client cannot offer TLS 1.1 (disabled in java.security).
        javax.net.ssl.SSLContext ctx = Tls.selfSigned(dir, "localhost");
        int port = tlsListener(() -> ctx);
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-tls1_1",
                "-cipher", "DEFAULT:@SECLEVEL=0").redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(out.contains("alert protocol version") || out.contains("no protocols available"),
                "the server refuses TLS 1.1 with protocol_version: " + out);
        assertTrue(!out.contains("Cipher is TLS") && !out.contains("Cipher is ECDHE") && !out.contains("hello"), out);
    }

    @Test
    void aRenewedCertificateServesNewSessionsWithoutRebindingWhileOldOnesGoOn() throws Exception {
        Path p12 = dir.resolve("server.p12");
        char[] pw = "changeit".toCharArray();
        writeKeystore(p12, "first.example", pw);
        Tls.Reloadable reloadable = Tls.Reloadable.of(p12, pw);
        int port = tlsListener(reloadable);
        try (javax.net.ssl.SSLSocket old = client(port, null, null)) {
            assertEquals("hello", firstLine(old));
            assertTrue(peerName(old).contains("CN=first.example"));
            assertTrue(!reloadable.reloadIfChanged(), "unchanged file: nothing to do");

            writeKeystore(dir.resolve("next.p12"), "second.example", pw);
            Files.move(dir.resolve("next.p12"), p12, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(p12, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
            assertTrue(reloadable.reloadIfChanged());
            try (javax.net.ssl.SSLSocket fresh = client(port, null, null)) {
                assertEquals("hello", firstLine(fresh));
                assertTrue(peerName(fresh).contains("CN=second.example"), peerName(fresh));
            }
            old.getOutputStream().write("abc\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            old.getOutputStream().flush();
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(old.getInputStream()));
            assertEquals("3 crlf=true long=false nul=false", in.readLine(), "the old session goes on");
        }
    }

    private static String peerName(javax.net.ssl.SSLSocket s) throws Exception {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    private static void writeKeystore(Path file, String cn, char[] pw) throws Exception {
        KeyStore generated = Tls.generate(cn);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        String alias = generated.aliases().nextElement();
        ks.setKeyEntry(alias, generated.getKey(alias, Tls.SELF_SIGNED_PASSWORD), pw, generated.getCertificateChain(alias));
        try (java.io.OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, pw);
        }
    }
}
