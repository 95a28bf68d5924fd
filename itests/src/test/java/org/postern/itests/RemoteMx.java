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

/**
 * A test-owned SMTP server on loopback posing as another provider's MX, which Postern's outbound
 * queue reaches as its smart host: keeps what it accepts octet for octet (dot-stuffing undone),
 * answers RCPT to a local part starting with "perm" with 550, and the first
 * {@link #temporaryFailures} DATA phases with 451.
 */
final class RemoteMx implements AutoCloseable {
    final ServerSocket server;
    final List<Received> received = new CopyOnWriteArrayList<>();
    final AtomicInteger temporaryFailures = new AtomicInteger();
    final AtomicInteger dataPhases = new AtomicInteger();
    private final Thread thread;

    record Received(String sender, List<String> recipients, String text) {
    }

    RemoteMx() throws IOException {
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
                s.setSoTimeout(30_000);
                session(s.getInputStream(), s.getOutputStream());
            } catch (IOException e) {
                // next connection
            }
        }
    }

    private void session(InputStream in, OutputStream out) throws IOException {
        send(out, "220 mx.remote.test ESMTP test");
        String sender = null;
        List<String> rcpts = new ArrayList<>();
        String line;
        while ((line = readLine(in)) != null) {
            String upper = line.toUpperCase(Locale.ROOT);
            if (upper.startsWith("EHLO")) {
                send(out, "250-mx.remote.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 50000000");
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
                    received.add(new Received(sender, List.copyOf(rcpts), data.toString(StandardCharsets.UTF_8)));
                    send(out, "250 2.0.0 Ok: queued");
                }
            } else if (upper.equals("QUIT")) {
                send(out, "221 2.0.0 Bye");
                return;
            } else {
                send(out, "250 2.0.0 Ok");
            }
        }
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
