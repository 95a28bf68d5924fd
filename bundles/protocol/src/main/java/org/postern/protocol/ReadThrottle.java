package org.postern.protocol;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilter;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.polling.AbstractPollingIoProcessor;
import org.apache.mina.core.session.AbstractIoSession;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;

/**
 * Bounds what one session may have waiting for its worker. Received messages are counted when
 * they enter the worker queue ({@link #in()}, before the executor) and uncounted when a worker
 * takes them ({@link #out()}, after it); past {@code maxMessages} or {@code maxBytes} reading from
 * the socket is suspended, and resumed once the queue has drained to half. While a worker is
 * blocked (an fsync, a slow store), a client that keeps sending fills its own TCP window, not the
 * server's heap. The bound can be exceeded by at most what one socket read decodes into.
 */
public final class ReadThrottle {
    private static final AttributeKey STATE = new AttributeKey(ReadThrottle.class, "state");

    private final int maxMessages;
    private final long maxBytes;

    static final class State {
        final AtomicLong messages = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        volatile long peakBytes;
        boolean suspended; // guarded by this
        AbstractPollingIoProcessor<AbstractIoSession> processor; // guarded by this
    }

    public ReadThrottle(int maxMessages, long maxBytes) {
        if (maxMessages < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("read throttle limits must be at least 1");
        }
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    /** The filter that goes right before the worker pool's executor filter (runs on the I/O thread). */
    public IoFilter in() {
        return new IoFilterAdapter() {
            @Override
            public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
                State st = state(session);
                long m = st.messages.incrementAndGet();
                long b = st.bytes.addAndGet(size(message));
                if (b > st.peakBytes) {
                    st.peakBytes = b;
                }
                if (m > maxMessages || b > maxBytes) {
                    synchronized (st) {
                        // Re-read under the lock: the worker may have drained the queue since, and
                        // a suspension nobody is left to lift would stall the session for good.
                        if (!st.suspended && (st.messages.get() > maxMessages || st.bytes.get() > maxBytes)) {
                            st.suspended = true;
                            session.suspendRead();
                        }
                    }
                }
                next.messageReceived(session, message);
            }
        };
    }

    /** The filter that goes right after the worker pool's executor filter (runs on a worker). */
    public IoFilter out() {
        return new IoFilterAdapter() {
            @Override
            public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
                State st = state(session);
                long m = st.messages.decrementAndGet();
                long b = st.bytes.addAndGet(-size(message));
                if (m <= maxMessages / 2 && b <= maxBytes / 2) {
                    synchronized (st) {
                        if (st.suspended && st.messages.get() <= maxMessages / 2 && st.bytes.get() <= maxBytes / 2) {
                            st.suspended = false;
                            session.resumeRead();
                            wakeUp(session, st);
                        }
                    }
                }
                next.messageReceived(session, message);
            }
        };
    }

    /**
     * MINA's {@code resumeRead()} from a thread other than the session's I/O thread changes the
     * selection key but does not wake the selector: the session then reads once per select
     * timeout (one second), or, measured under a flood, not at all. Queuing the session for a
     * traffic-mask update on its I/O processor wakes the selector, and reading resumes at once.
     */
    @SuppressWarnings("unchecked")
    private static void wakeUp(IoSession session, State st) {
        if (st.processor == null && session instanceof AbstractIoSession) {
            for (Object key : session.getAttributeKeys()) {
                Object v = session.getAttribute(key);
                if (v instanceof AbstractPollingIoProcessor) {
                    st.processor = (AbstractPollingIoProcessor<AbstractIoSession>) v;
                    break;
                }
            }
        }
        if (st.processor != null) {
            st.processor.updateTrafficMask((AbstractIoSession) session);
        }
    }

    /**
     * {@code session.resumeRead()} that takes effect at once from any thread (see
     * {@link #wakeUp}); for protocol code that suspends reads itself, such as STARTTLS.
     */
    public static void resumeReadNow(IoSession session) {
        State st = state(session);
        synchronized (st) {
            session.resumeRead();
            wakeUp(session, st);
        }
    }

    /** Bytes waiting for the session's worker now, and the most ever (tests, status). */
    public static long[] queued(IoSession session) {
        State st = (State) session.getAttribute(STATE);
        return st == null ? new long[] {0, 0} : new long[] {st.bytes.get(), st.peakBytes};
    }

    private static State state(IoSession session) {
        State st = (State) session.getAttribute(STATE);
        if (st == null) {
            State fresh = new State();
            st = (State) session.setAttributeIfAbsent(STATE, fresh);
            if (st == null) {
                st = fresh;
            }
        }
        return st;
    }

    private static long size(Object message) {
        if (message instanceof Line) {
            return ((Line) message).length() + 2L;
        }
        if (message instanceof IoBuffer) {
            return ((IoBuffer) message).remaining();
        }
        return 1;
    }
}
