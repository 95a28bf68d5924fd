package org.postern.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A test-owned SMTP server on loopback posing as another provider's MX, which Postern's outbound
 * queue reaches as its smart host (or as a domain's MX, through a test DNS): keeps what it accepts octet for octet (dot-stuffing undone),
 * answers RCPT to a local part starting with "perm" with 550, and the first
 * {@link #temporaryFailures} DATA phases with 451.
 *
 * <p>Made with an {@link SSLContext} it also offers STARTTLS with that context's certificate, as an
 * MX under an MTA-STS policy or a TLSA record does: each {@link Received} says whether it came over
 * TLS and which name the client asked for (SNI), and a handshake the client gave up on (it did not
 * like the certificate) is counted in {@link #failedHandshakes}, the trace a refused delivery leaves.
 * Without one, STARTTLS is neither offered nor accepted.
 */
final class RemoteMx implements AutoCloseable {
    final ServerSocket server;
    final List<Received> received = new CopyOnWriteArrayList<>();
    final AtomicInteger temporaryFailures = new AtomicInteger();
    final AtomicInteger dataPhases = new AtomicInteger();
    /** Connections accepted, whatever became of them. */
    final AtomicInteger connections = new AtomicInteger();
    /** STARTTLS handshakes that completed. */
    final AtomicInteger tlsHandshakes = new AtomicInteger();
    /** STARTTLS handshakes that did not complete (the client refused the certificate, or hung up). */
    final AtomicInteger failedHandshakes = new AtomicInteger();
    /** Why each failed handshake failed, for assertion messages. */
    final List<String> handshakeErrors = new CopyOnWriteArrayList<>();
    private final SSLContext tls;
    private final Thread thread;

    /** {@code tls}: whether the transaction ran after STARTTLS; {@code sni}: the name the client asked for, or null. */
    record Received(String sender, List<String> recipients, String text, boolean tls, String sni) {
    }

    /** A plain MX: no STARTTLS. */
    RemoteMx() throws IOException {
        this(null);
    }

    /** An MX offering STARTTLS with {@code tls}'s server certificate; null is a plain one. */
    RemoteMx(SSLContext tls) throws IOException {
        this.tls = tls;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        thread = new Thread(this::serve, "itest-remote-mx");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                connections.incrementAndGet();
                s.setSoTimeout(30_000);
                session(s);
            } catch (IOException e) {
                // next connection
            }
        }
    }

    private void session(Socket plain) throws IOException {
        InputStream in = plain.getInputStream();
        OutputStream out = plain.getOutputStream();
        SSLSocket secure = null;
        String sni = null;
        send(out, "220 mx.remote.test ESMTP test");
        String sender = null;
        List<String> rcpts = new ArrayList<>();
        String line;
        while ((line = readLine(in)) != null) {
            String upper = line.toUpperCase(Locale.ROOT);
            if (upper.startsWith("EHLO")) {
                String starttls = tls != null && secure == null ? "250-STARTTLS\r\n" : "";
                send(out, "250-mx.remote.test\r\n" + starttls + "250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 50000000");
            } else if (upper.equals("STARTTLS")) {
                if (tls == null || secure != null) {
                    send(out, "502 5.5.1 STARTTLS not offered");
                    continue;
                }
                send(out, "220 2.0.0 Ready to start TLS");
                SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain,
                        plain.getInetAddress().getHostAddress(), plain.getPort(), true);
                s.setSSLParameters(TestPki.serverParameters(tls));
                s.setUseClientMode(false);
                try {
                    s.startHandshake();
                } catch (IOException e) {
                    failedHandshakes.incrementAndGet();
                    handshakeErrors.add(e.toString());
                    return;
                }
                tlsHandshakes.incrementAndGet();
                secure = s;
                sni = sni(s);
                in = s.getInputStream();
                out = s.getOutputStream();
                // RFC 3207 §4.2: nothing from before the handshake survives it
                sender = null;
                rcpts.clear();
            } else if (upper.startsWith("MAIL FROM:")) {
                sender = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                rcpts.clear();
                send(out, "250 2.1.0 Ok");
            } else if (upper.startsWith("RCPT TO:")) {
                String r = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                if (r.startsWith("perm")) {
                    send(out, "550 5.1.1 <" + r + ">: Recipient address rejected: User unknown in relay recipient table");
                } else {
                    rcpts.add(r);
                    send(out, "250 2.1.5 Ok");
                }
            } else if (upper.equals("DATA")) {
                send(out, "354 go ahead");
                ByteArrayOutputStream data = new ByteArrayOutputStream();
                String l;
                while ((l = readLine(in)) != null && !l.equals(".")) {
                    data.writeBytes((l.startsWith(".") ? l.substring(1) : l).getBytes(StandardCharsets.UTF_8));
                    data.writeBytes(new byte[] {'\r', '\n'});
                }
                dataPhases.incrementAndGet();
                if (temporaryFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    send(out, "451 4.3.0 Temporary failure, try again");
                } else {
                    received.add(new Received(sender, List.copyOf(rcpts), data.toString(StandardCharsets.UTF_8),
                            secure != null, sni));
                    send(out, "250 2.0.0 Ok: queued");
                }
            } else if (upper.equals("QUIT")) {
                send(out, "221 2.0.0 Bye");
                if (secure != null) {
                    secure.close(); // close_notify: a strict client takes a bare EOF for truncation
                }
                return;
            } else {
                send(out, "250 2.0.0 Ok");
            }
        }
    }

    private static String sni(SSLSocket s) {
        if (s.getSession() instanceof ExtendedSSLSession e) {
            for (SNIServerName n : e.getRequestedServerNames()) {
                if (n instanceof SNIHostName h) {
                    return h.getAsciiName().toLowerCase(Locale.ROOT);
                }
            }
        }
        return null;
    }

    private static String readLine(InputStream in) throws IOException {
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
        return null;
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
