package org.postern.protocol;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IoSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A session that ends with output its client never takes (a BYE behind a flood of answers, a
 * stalled download) is closed once the write timeout passes, instead of holding its connection
 * slot and login until the client goes away.
 */
class WriteTimeoutTest {
    private Listener listener;

    @AfterEach
    void close() {
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void aClosingSessionWhoseClientReadsNothingIsClosedAfterTheWriteTimeout() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        listener = Listener.on("127.0.0.1", 0).writeTimeout(1).bind(new IoHandlerAdapter() {
            @Override
            public void sessionOpened(IoSession session) {
                // Far more than the socket buffers hold, then close once it has all been sent.
                byte[] chunk = new byte[64 * 1024];
                for (int i = 0; i < 256; i++) {
                    session.write(IoBuffer.wrap(chunk));
                }
                session.closeOnFlush();
            }

            @Override
            public void sessionClosed(IoSession session) {
                closed.countDown();
            }
        });
        try (Socket s = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            s.setReceiveBufferSize(4096);
            // Reads nothing. MINA checks idleness and write timeouts about once a second.
            assertTrue(closed.await(60, TimeUnit.SECONDS), "closed by the write timeout while the client read nothing");
        }
    }

    @Test
    void aWriteTimeoutMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> Listener.on("127.0.0.1", 0).writeTimeout(0));
    }
}
