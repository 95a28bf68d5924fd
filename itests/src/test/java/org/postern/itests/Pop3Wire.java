package org.postern.itests;

import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/** One POP3 conversation on a plain port, line by line (loopback may log in without TLS). */
final class Pop3Wire implements AutoCloseable {
    final Socket socket;
    final BufferedReader in;
    final OutputStream out;

    Pop3Wire(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(60_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
        String greeting = in.readLine();
        assertNotNull(greeting);
        assertTrue(greeting, greeting.startsWith("+OK"));
    }

    String send(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return in.readLine();
    }

    /** USER/PASS; returns the reply to PASS. */
    String userPass(String user, String password) throws IOException {
        String r = send("USER " + user);
        assertTrue(r, r.startsWith("+OK"));
        return send("PASS " + password);
    }

    String authPlain(String user, String password) throws IOException {
        String ir = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        return send("AUTH PLAIN " + ir);
    }

    /** True once the server has ended the session (a NOOP gets -ERR, nothing, or the socket fails). */
    boolean awaitClosedByServer(long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try {
                String r = send("NOOP");
                if (r == null || r.startsWith("-ERR")) {
                    return true;
                }
            } catch (IOException e) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    /** Waits until the port answers with a POP3 greeting. */
    static void awaitListening(int port, long seconds, PosternProcess node) throws Exception {
        node.awaitGreeting(port, "+OK", seconds);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
