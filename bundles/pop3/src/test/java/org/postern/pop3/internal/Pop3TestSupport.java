package org.postern.pop3.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.postern.protocol.ServerTls;
import org.postern.protocol.Tls;

/** Starts a real Pop3Server on ephemeral ports with the in-test authenticator and store; one per test. */
abstract class Pop3TestSupport {
    static final String ALICE = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    static final String BOB = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
    static final String ALICE_PASSWORD = "correct horse battery staple";

    /** Shared so the self-signed certificate is generated once per test class. */
    @TempDir
    static Path data;

    @TempDir
    Path mailDir;

    final Fakes.Accounts accounts = new Fakes.Accounts();
    Fakes.FileStore store;
    Pop3Server server;
    int port;
    int tlsPort;

    int maxLineLength = 1024;
    int idleTimeout = 30;
    int maxConnectionsPerIp = 20;
    boolean allowPlaintextAuth;

    @BeforeEach
    void startServer() throws IOException {
        store = new Fakes.FileStore(Files.createDirectories(mailDir));
        accounts.add("alice@example.net", ALICE_PASSWORD, ALICE);
        accounts.add("bob@example.net", "bobs password", BOB);
        start();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    void start() {
        server = new Pop3Server(new Settings("127.0.0.1", 0, 0, idleTimeout, maxConnectionsPerIp, 1000, maxLineLength,
                allowPlaintextAuth, 0));
        server.authenticator = accounts;
        server.mailStore = store;
        server.serverTls = new ServerTls() {
            @Override
            public SSLContext context() {
                try {
                    return Tls.selfSigned(data.resolve("tls"), "pop.test.example");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public String hostname() {
                return "pop.test.example";
            }
        };
        server.start();
        port = server.localAddresses()[0].getPort();
        tlsPort = server.localAddresses()[1].getPort();
    }

    void restart() {
        server.stop();
        start();
    }

    /** A client that has read the greeting. */
    RawClient connect() throws IOException {
        RawClient c = new RawClient(port);
        assertEquals(Pop3Session.GREETING, c.line());
        return c;
    }

    /** A client logged in as alice with USER/PASS. */
    RawClient alice() throws IOException {
        RawClient c = connect();
        assertEquals("+OK", c.command("USER alice@example.net"));
        String ok = c.command("PASS " + ALICE_PASSWORD);
        assertTrue(ok.startsWith("+OK Logged in"), ok);
        return c;
    }

    static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("timed out waiting until " + what);
    }
}
