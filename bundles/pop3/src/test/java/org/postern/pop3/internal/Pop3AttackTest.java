package org.postern.pop3.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;
import org.junit.jupiter.api.Test;
import org.postern.protocol.Listener;

/** A hostile or broken client: one that never reads, pipelines without end, or goes silent mid-way. */
class Pop3AttackTest extends Pop3TestSupport {

    /** The server side of the plain listener's sessions (through the listener's acceptor). */
    private Collection<IoSession> serverSessions() throws Exception {
        Field plain = Pop3Server.class.getDeclaredField("plain");
        plain.setAccessible(true);
        Listener l = (Listener) plain.get(server);
        Field acceptor = Listener.class.getDeclaredField("acceptor");
        acceptor.setAccessible(true);
        return ((NioSocketAcceptor) acceptor.get(l)).getManagedSessions().values();
    }

    private long scheduledWriteBytes() throws Exception {
        long sum = 0;
        for (IoSession s : serverSessions()) {
            sum += s.getScheduledWriteBytes();
        }
        return sum;
    }

    /** A socket with a small receive window that will never be read. */
    private static Socket deafSocket(int port) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        return s;
    }

    private static void login(OutputStream out) throws IOException {
        out.write(("USER alice@example.net\r\nPASS " + ALICE_PASSWORD + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, long millis, String what)
            throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting until " + what);
    }

    /**
     * Pipelined multi-line listings to a client that reads nothing: each listing must wait for the
     * previous one to leave, or a few kilobytes of "UIDL" lines make the server queue megabytes.
     */
    @Test
    void pipelinedListingsToAClientThatNeverReadsStayBounded() throws Exception {
        for (int i = 0; i < 3000; i++) {
            store.add(ALICE, "Subject: " + i + "\r\n\r\nx\r\n");
        }
        try (Socket s = deafSocket(port)) {
            OutputStream out = s.getOutputStream();
            login(out);
            Thread.sleep(300);
            byte[] uidl = "UIDL\n".repeat(800).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 4; i++) {
                out.write(uidl);
                out.flush();
            }
            Thread.sleep(1500);
            long queued = scheduledWriteBytes();
            assertTrue(queued < 512 * 1024, "the server queued " + queued + " octets for a client that reads nothing");
        }
    }

    /** Listings longer than one chunk, pipelined with other commands: whole, in order, terminated once. */
    @Test
    void longListingsArriveWholeAndInOrder() throws Exception {
        int count = 3000;
        long[] uids = new long[count];
        for (int i = 0; i < count; i++) {
            uids[i] = store.add(ALICE, "Subject: " + i + "\r\n\r\nx\r\n");
        }
        try (RawClient c = alice()) {
            assertEquals("+OK Message 2 deleted", c.command("DELE 2"));
            c.send("UIDL\r\nLIST\r\nSTAT\r\n");
            assertEquals("+OK Unique-ID listing follows", c.line());
            List<String> uidl = c.body();
            assertEquals(count - 1, uidl.size());
            assertEquals("1 " + Fakes.FileStore.UID_VALIDITY + "-" + uids[0], uidl.get(0));
            assertEquals("3 " + Fakes.FileStore.UID_VALIDITY + "-" + uids[2], uidl.get(1));
            assertEquals(count + " " + Fakes.FileStore.UID_VALIDITY + "-" + uids[count - 1], uidl.get(count - 2));
            assertTrue(c.line().startsWith("+OK " + (count - 1) + " messages"));
            List<String> list = c.body();
            assertEquals(count - 1, list.size());
            assertTrue(list.get(count - 2).startsWith(count + " "), list.get(count - 2));
            assertTrue(c.line().startsWith("+OK " + (count - 1) + " "));
            assertEquals("+OK", c.command("NOOP"));
        }
        try (RawClient c = connect()) {
            c.command("USER bob@example.net");
            assertTrue(c.command("PASS bobs password").startsWith("+OK Logged in, 0 messages"));
            assertEquals("+OK 0 messages (0 octets)", c.command("LIST"));
            assertEquals(List.of(), c.body());
            assertEquals("+OK Unique-ID listing follows", c.command("UIDL"));
            assertEquals(List.of(), c.body());
        }
    }

    /**
     * Many small RETRs pipelined to a client that reads: each one must not nest the next inside it
     * (a stack overflow would end the session).
     */
    @Test
    void manyPipelinedRetrsAreAllAnswered() throws Exception {
        store.add(ALICE, "Subject: s\r\n\r\nx\r\n");
        try (RawClient c = alice()) {
            int n = 3000;
            Thread writer = new Thread(() -> {
                try {
                    c.send("RETR 1\n".repeat(n) + "NOOP\r\n");
                } catch (IOException e) {
                    // the reader reports
                }
            });
            writer.start();
            for (int i = 0; i < n; i++) {
                assertTrue(c.line().startsWith("+OK"), "reply " + i);
                assertEquals(3, c.body().size());
            }
            assertEquals("+OK", c.line());
            writer.join();
        }
    }

    /** STLS and then no handshake at all: the idle timeout still ends the session. */
    @Test
    void stlsWithoutAHandshakeEndsAtTheIdleTimeout() throws Exception {
        restartWithIdle(1);
        try (RawClient c = connect()) {
            assertEquals("+OK Begin TLS negotiation", c.command("STLS"));
            assertEquals(1, serverSessions().size());
            waitUntil(() -> {
                try {
                    return serverSessions().isEmpty();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, 10_000, "the connection is closed");
        }
    }

    @Test
    void absurdNumbers() throws Exception {
        store.add(ALICE, "Subject: s\r\n\r\n1\r\n2\r\n");
        try (RawClient c = alice()) {
            assertEquals("+OK Top of message follows", c.command("TOP 1 999999999999999999"));
            assertEquals(List.of("Subject: s", "", "1", "2"), c.body());
            assertEquals("-ERR Invalid number of lines", c.command("TOP 1 9999999999999999999"));
            assertEquals("-ERR Invalid number of lines", c.command("TOP 1 +1"));
            assertEquals("-ERR Invalid message number", c.command("TOP 4294967297 1"));
            assertEquals("-ERR Invalid message number", c.command("UIDL 2147483648"));
            assertEquals("-ERR No such message", c.command("UIDL 999999999"));
            assertEquals("-ERR Invalid message number", c.command("DELE -0"));
            assertEquals("-ERR Usage: LIST [msg]", c.command("LIST 1 2"));
            assertEquals("-ERR Invalid message number", c.command("LIST \u0661"));
        }
    }

    private void restartWithIdle(int seconds) {
        idleTimeout = seconds;
        restart();
    }
}
