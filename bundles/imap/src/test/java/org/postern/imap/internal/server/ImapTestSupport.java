package org.postern.imap.internal.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.postern.protocol.ServerTls;
import org.postern.protocol.Tls;

/** Starts a real ImapServer on ephemeral ports with the in-test authenticator and store; one per test. */
abstract class ImapTestSupport {
    static final String ALICE = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    static final String ALICE_PASSWORD = "correct horse battery staple";

    /** Shared so the self-signed certificate is generated once per test class. */
    @TempDir
    static Path data;

    @TempDir
    Path spool;

    final Fakes.Accounts accounts = new Fakes.Accounts();
    final Fakes.Store store = new Fakes.Store();
    ImapServer server;
    int port;
    int tlsPort;
    boolean allowPlaintextAuth;

    @BeforeEach
    void startServer() {
        accounts.add("alice@example.net", ALICE_PASSWORD, ALICE);
        start();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    void start() {
        server = new ImapServer(new Settings("127.0.0.1", 0, 0, 120, 50, 1000, 30L << 20, allowPlaintextAuth, 0), spool);
        server.authenticator = accounts;
        server.mailboxes = store;
        store.announce = account -> server.changed(ImapServer.MAIL, account);
        server.serverTls = new ServerTls() {
            @Override
            public SSLContext context() {
                try {
                    return Tls.selfSigned(data.resolve("tls"), "imap.test.example");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public String hostname() {
                return "imap.test.example";
            }
        };
        server.start();
        port = server.localAddresses()[0].getPort();
        tlsPort = server.localAddresses()[1].getPort();
    }

    /** A raw IMAP conversation line by line. */
    static final class Raw implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;
        final OutputStream out;

        Raw(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(30_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            out = socket.getOutputStream();
        }

        String line() throws IOException {
            return in.readLine();
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** Sends a tagged command and returns every line up to and including its tagged reply. */
        List<String> command(String tag, String command) throws IOException {
            send(tag + " " + command + "\r\n");
            return until(tag);
        }

        List<String> until(String tag) throws IOException {
            List<String> lines = new ArrayList<>();
            String l;
            while ((l = in.readLine()) != null) {
                lines.add(l);
                if (l.startsWith(tag + " ")) {
                    return lines;
                }
            }
            lines.add("<closed>");
            return lines;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    Raw connect() throws IOException {
        Raw r = new Raw(port);
        String greeting = r.line();
        if (greeting == null || !greeting.startsWith("* OK [CAPABILITY ")) {
            throw new IOException("greeting: " + greeting);
        }
        return r;
    }

    Raw alice() throws IOException {
        Raw r = connect();
        List<String> l = r.command("L", "LOGIN alice@example.net \"" + ALICE_PASSWORD + "\"");
        if (!l.get(l.size() - 1).startsWith("L OK")) {
            throw new IOException("login: " + l);
        }
        return r;
    }

    static String last(List<String> lines) {
        return lines.get(lines.size() - 1);
    }
}
