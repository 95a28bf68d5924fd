package org.postern.smtp.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.smtp.SmtpPolicy;

/** Starts a real SmtpServer on an ephemeral port with fakes; one per test. */
abstract class SmtpTestSupport {
    static final String HOSTNAME = "mx.test.example";

    /** Shared so the self-signed certificate is generated once per test class. */
    @TempDir
    static Path data;

    @TempDir
    Path blobDir;

    final Fakes.Recipients recipients = new Fakes.Recipients();
    Fakes.Blobs blobs;
    final Fakes.Mailboxes mailboxes = new Fakes.Mailboxes();
    final Fakes.Quotas quotas = new Fakes.Quotas();
    SmtpServer server;
    int port;

    /** Mutable defaults; a test changes them and calls {@link #restart()}. */
    long maxMessageSize = 1_048_576;
    int maxRecipients = 100;
    int maxLineLength = 1000;
    int commandTimeout = 30;
    int dataTimeout = 30;
    int maxConnectionsPerIp = 20;
    int maxConnections = 1000;
    int maxErrors = 20;
    String postmasterAccount = "";
    boolean dmarcReject = true;
    int authTimeout = 10;

    @BeforeEach
    void startServer() throws IOException {
        blobs = new Fakes.Blobs(Files.createDirectories(blobDir));
        start();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    Settings settings() {
        return new Settings("127.0.0.1", 0, HOSTNAME, maxMessageSize, maxRecipients, maxLineLength, commandTimeout,
                dataTimeout, maxConnectionsPerIp, maxConnections, maxErrors, data, 0, postmasterAccount, true,
                dmarcReject, authTimeout);
    }

    void start() {
        server = new SmtpServer(settings());
        server.recipientPolicy = recipients;
        server.blobStore = blobs;
        server.mailStore = mailboxes;
        server.mailboxes = quotas.service();
        server.serverTls = new org.postern.protocol.ServerTls() {
            @Override
            public javax.net.ssl.SSLContext context() {
                try {
                    return org.postern.protocol.Tls.selfSigned(data.resolve("tls"), HOSTNAME);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public String hostname() {
                return "tls-name.test.example";
            }
        };
        server.resolver = address -> java.util.concurrent.CompletableFuture.completedFuture(java.util.Optional.empty());
        server.domains = new Fakes.Domains();
        server.addresses = new Fakes.Addresses(recipients);
        server.start();
        port = server.localAddress().getPort();
    }

    void restart() {
        server.stop();
        start();
    }

    void addPolicy(SmtpPolicy policy, int ranking, long id) {
        server.bindPolicy(policy, Map.of("service.ranking", ranking, "service.id", id));
    }

    /** A client TLS context that trusts any certificate (the test server's is self-signed). */
    static javax.net.ssl.SSLContext trustAll() throws java.security.GeneralSecurityException {
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        return context;
    }

    /** A connected client that has read the greeting and said EHLO. */
    RawClient ehlo() throws IOException {
        RawClient c = new RawClient(port);
        String greeting = c.reply();
        if (!greeting.startsWith("220 ")) {
            throw new AssertionError("greeting: " + greeting);
        }
        c.command("EHLO client.example.org");
        return c;
    }
}
