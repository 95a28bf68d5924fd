package org.postern.protocol.internal;

import java.util.concurrent.Executor;
import org.apache.mina.transport.socket.nio.NioProcessor;
import org.apache.mina.transport.socket.nio.NioSession;

/**
 * MINA's NIO processor with one fix. MINA 2.2.10's {@code updateTrafficControl} decides whether to
 * watch a socket for "writable" from the write queue alone, but {@code flushNow} has already taken
 * the request it is sending off that queue: a {@code suspendRead()} or {@code resumeRead()} while
 * a large write is half sent (as the read throttle does when a session's long response ends)
 * drops OP_WRITE, and the rest of that write is never sent. No thread waits; the client simply
 * never gets the end of the response (seen: about one {@code UID FETCH 1:*} in 500 under load).
 *
 * <p>Here the request being sent counts as pending output, and the selection key is changed only
 * on the processor's own I/O thread: a call from any other thread is queued to it (with a wake-up
 * of its selector), so two threads never rewrite the key's interest set over each other.
 */
public final class WriteSafeNioProcessor extends NioProcessor {
    private volatile Thread ioThread;

    /** Called reflectively by MINA's {@code SimpleIoProcessorPool}. */
    public WriteSafeNioProcessor(Executor executor) {
        super(executor);
    }

    @Override
    protected int select(long timeout) throws Exception {
        ioThread = Thread.currentThread();
        return super.select(timeout);
    }

    @Override
    protected int select() throws Exception {
        ioThread = Thread.currentThread();
        return super.select();
    }

    @Override
    public void updateTrafficControl(NioSession session) {
        if (Thread.currentThread() != ioThread) {
            updateTrafficMask(session); // this method again, on the I/O thread
            return;
        }
        try {
            setInterestedInRead(session, !session.isReadSuspended());
        } catch (Exception e) {
            session.getFilterChain().fireExceptionCaught(e);
        }
        try {
            boolean pending = session.getCurrentWriteRequest() != null
                    || !session.getWriteRequestQueue().isEmpty(session);
            setInterestedInWrite(session, pending && !session.isWriteSuspended());
        } catch (Exception e) {
            session.getFilterChain().fireExceptionCaught(e);
        }
    }
}
