package org.postern.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IoSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client flooding a session whose worker is blocked fills its own TCP window, not the
 * server's heap; when the worker is free again, every line is handled, none lost.
 */
class ReadThrottleTest {
    private Listener listener;

    @AfterEach
    void close() {
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void aFloodWhileTheWorkerIsBlockedStaysBoundedAndNothingIsLost() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong handled = new AtomicLong();
        AtomicReference<IoSession> serverSide = new AtomicReference<>();
        listener = Listener.on("127.0.0.1", 0).maxQueued(64, 16 * 1024)
                .filter("lines", new LineFilter(1000))
                .bind(new IoHandlerAdapter() {
                    @Override
                    public void sessionOpened(IoSession session) {
                        serverSide.set(session);
                    }

                    @Override
                    public void messageReceived(IoSession session, Object message) throws Exception {
                        // The first line blocks the worker, as an fsync or a slow lookup would.
                        release.await(60, TimeUnit.SECONDS);
                        if (handled.incrementAndGet() == 200_000) {
                            session.write(IoBuffer.wrap("all handled\r\n".getBytes(StandardCharsets.US_ASCII)));
                        }
                    }
                });
        byte[] line = ("x".repeat(98) + "\r\n").getBytes(StandardCharsets.US_ASCII); // 100 octets
        try (Socket s = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            s.setSoTimeout(120_000);
            AtomicLong sent = new AtomicLong();
            Thread flooder = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < 200_000; i++) { // 20 MB
                        out.write(line);
                        sent.incrementAndGet();
                    }
                    out.flush();
                } catch (Exception e) {
                    // the socket closes at the end of the test
                }
            });
            flooder.start();
            // Wait until the client is stuck: its sends stop advancing (the server stopped reading).
            long last = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                Thread.sleep(500);
                long now = sent.get();
                if (now == last && now > 0) {
                    break;
                }
                last = now;
            }
            assertTrue(sent.get() < 200_000, "the client cannot push 20 MB while the worker is blocked: " + sent.get());
            long[] queued = ReadThrottle.queued(serverSide.get());
            // 16 KiB bound, plus at most what one socket read (4 KiB: 41 lines here) decodes into
            long oneRead = (Listener.MAX_READ_BUFFER / 100 + 1) * (100L + ReadThrottle.PER_MESSAGE_OVERHEAD);
            assertTrue(queued[1] <= 16 * 1024 + oneRead, "peak queued bytes " + queued[1]);

            release.countDown();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String done = in.readLine();
            assertEquals("all handled", done);
            flooder.join(60_000);
            assertEquals(200_000, handled.get());
        }
    }

    @Test
    void aClientThatNeverReadsItsRepliesStopsBeingRead() throws Exception {
        AtomicReference<IoSession> serverSide = new AtomicReference<>();
        AtomicLong peakWrites = new AtomicLong();
        listener = Listener.on("127.0.0.1", 0).maxQueued(64, 16 * 1024)
                .filter("lines", new LineFilter(1000))
                .bind(new IoHandlerAdapter() {
                    @Override
                    public void sessionOpened(IoSession session) {
                        serverSide.set(session);
                    }

                    @Override
                    public void messageReceived(IoSession session, Object message) {
                        // every command gets a long reply (1000 octets), as a verbose server might send
                        session.write(IoBuffer.wrap(("250 " + "k".repeat(994) + "\r\n").getBytes(StandardCharsets.US_ASCII)));
                        peakWrites.accumulateAndGet(session.getScheduledWriteBytes(), Math::max);
                    }
                });
        try (Socket s = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            s.setReceiveBufferSize(4096);
            s.setSoTimeout(60_000);
            AtomicLong sent = new AtomicLong();
            Thread flooder = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    byte[] noop = ("NOOP " + "n".repeat(895) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < 200_000; i++) { // 180 MB of commands, 20 MB of replies
                        out.write(noop);
                        sent.incrementAndGet();
                    }
                } catch (Exception e) {
                    // closed at the end of the test
                }
            });
            flooder.setDaemon(true);
            flooder.start();
            long last = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                Thread.sleep(500);
                long now = sent.get();
                if (now == last && now > 0) {
                    break;
                }
                last = now;
            }
            assertTrue(sent.get() < 200_000, "the client cannot push all while it reads no reply: " + sent.get());
            // the reply backlog stops growing at the bound plus what one read's commands answer
            long oneRead = (Listener.MAX_READ_BUFFER / 902 + 1) * 1000L;
            assertTrue(peakWrites.get() <= 16 * 1024 + oneRead + 64 * 1000, "peak reply backlog " + peakWrites.get());
            // once the client reads, the session goes on
            long before = serverSide.get().getReadBytes();
            // Once the client reads (what the kernel buffered, then what waited in the server), the
            // session reads commands again.
            java.io.InputStream in = s.getInputStream();
            byte[] buf = new byte[65536];
            long got = 0;
            long readDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (serverSide.get().getReadBytes() == before && System.nanoTime() < readDeadline) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                got += n;
            }
            assertTrue(serverSide.get().getReadBytes() > before, "reading resumed once the replies drained; got " + got
                    + " writes " + serverSide.get().getScheduledWriteBytes() + " suspended " + serverSide.get().isReadSuspended()
                    + " queued " + java.util.Arrays.toString(ReadThrottle.queued(serverSide.get())) + " sent " + sent.get());
        }
    }
}
