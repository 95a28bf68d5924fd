package org.postern.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IoSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A large write that is half sent when another thread suspends and resumes the session's reads
 * (the read throttle does that as a long response ends) is still sent to its end. MINA's own
 * processor dropped the socket's write interest then, and the client waited forever for the rest.
 */
class LargeWriteTest {
    private static final int SIZE = 4 << 20;
    private Listener listener;

    @AfterEach
    void close() {
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void aHalfSentWriteSurvivesReadsSuspendedAndResumedFromAnotherThread() throws Exception {
        AtomicReference<IoSession> server = new AtomicReference<>();
        listener = Listener.on("127.0.0.1", 0).bind(new IoHandlerAdapter() {
            @Override
            public void sessionOpened(IoSession session) {
                server.set(session);
                session.write(IoBuffer.wrap(new byte[SIZE]));
            }
        });
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(listener.localAddress());
            s.setSoTimeout(30_000);
            // The client reads nothing until the server is stuck with the write partly sent.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long last = -1;
            while (System.nanoTime() < deadline) {
                Thread.sleep(200);
                IoSession io = server.get();
                long written = io == null ? 0 : io.getScheduledWriteBytes();
                if (io != null && written > 0 && written == last) {
                    break;
                }
                last = written;
            }
            IoSession io = server.get();
            assertTrue(io != null && io.getScheduledWriteBytes() > 0 && io.getScheduledWriteBytes() < SIZE,
                    "the write is partly sent and waits for the client");
            Thread toggler = new Thread(() -> {
                io.suspendRead();
                io.resumeRead();
            });
            toggler.start();
            toggler.join();
            Thread.sleep(500); // let the processor apply what the other thread asked for
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long got = 0;
            int n;
            while (got < SIZE && (n = in.read(buf)) > 0) {
                got += n;
            }
            assertEquals(SIZE, got, "the whole write arrives");
        }
    }
}
