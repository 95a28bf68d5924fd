package org.postern.protocol;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilter;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.polling.AbstractPollingIoProcessor;
import org.apache.mina.core.session.AbstractIoSession;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;

/**
 * Bounds what one session may have in memory and owns the decision to read from its socket.
 * Received messages are counted when they enter the worker queue ({@link #in()}, before the
 * executor) and uncounted when a worker takes them ({@link #out()}, after it); replies waiting to
 * be written count too, once handed to MINA (a protocol that keeps the replies to a pipelined
 * group until the group is answered, as SMTP does, holds at most the replies to what this bound
 * let into the queue). Past {@code maxMessages} or {@code maxBytes} waiting for the worker, or
 * {@code maxBytes} of replies the client has not read, reading is suspended, and it resumes once
 * both have drained to half. While a worker is blocked (an fsync, a slow store), or while a
 * client pipelines commands without reading the replies, the client fills its own TCP window,
 * not the server's heap. The bound can be exceeded by at most what one socket read decodes into.
 *
 * <p>Protocols that must not read for a while (until the greeting, during a STARTTLS handshake)
 * {@link #hold} and {@link #release} the session instead of calling MINA's suspend/resume, which
 * are one flag: a hold and the backlog bound then never lift each other's suspension.
 */
public final class ReadThrottle {
    private static final AttributeKey STATE = new AttributeKey(ReadThrottle.class, "state");
    /** What a decoded line costs beyond its bytes (object headers, array, event), counted too. */
    static final int PER_MESSAGE_OVERHEAD = 64;

    private final int maxMessages;
    private final long maxBytes;

    static final class State {
        final int maxMessages;
        final long maxBytes;
        final AtomicLong messages = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        volatile long peakBytes;
        boolean suspended; // guarded by this
        int holds; // guarded by this
        AbstractPollingIoProcessor<AbstractIoSession> processor; // guarded by this

        State(int maxMessages, long maxBytes) {
            this.maxMessages = maxMessages;
            this.maxBytes = maxBytes;
        }
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
            public void sessionCreated(NextFilter next, IoSession session) throws Exception {
                session.setAttributeIfAbsent(STATE, new State(maxMessages, maxBytes));
                next.sessionCreated(session);
            }

            @Override
            public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
                State st = state(session);
                st.messages.incrementAndGet();
                long b = st.bytes.addAndGet(size(message));
                if (b > st.peakBytes) {
                    st.peakBytes = b;
                }
                update(session, st);
                next.messageReceived(session, message);
            }

            @Override
            public void messageSent(NextFilter next, IoSession session, WriteRequest request) throws Exception {
                State st = (State) session.getAttribute(STATE);
                if (st != null) {
                    update(session, st); // replies drained: perhaps time to read again
                }
                next.messageSent(session, request);
            }
        };
    }

    /** The filter that goes right after the worker pool's executor filter (runs on a worker). */
    public IoFilter out() {
        return new IoFilterAdapter() {
            @Override
            public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
                State st = state(session);
                st.messages.decrementAndGet();
                st.bytes.addAndGet(-size(message));
                update(session, st);
                next.messageReceived(session, message);
            }
        };
    }

    /** Stops reading from the session until as many {@link #release} calls; callable from any thread. */
    public static void hold(IoSession session) {
        State st = state(session);
        synchronized (st) {
            st.holds++;
            update(session, st);
        }
    }

    /** Lifts one {@link #hold}; reading resumes at once when nothing else holds it back. */
    public static void release(IoSession session) {
        State st = state(session);
        synchronized (st) {
            if (st.holds > 0) {
                st.holds--;
            }
            update(session, st);
        }
    }

    /** Suspends or resumes reading as the holds and the two backlogs now require. */
    private static void update(IoSession session, State st) {
        synchronized (st) {
            long writes = session.getScheduledWriteBytes();
            long messages = st.messages.get();
            long bytes = st.bytes.get();
            if (!st.suspended) {
                if (st.holds > 0 || messages > st.maxMessages || bytes > st.maxBytes || writes > st.maxBytes) {
                    st.suspended = true;
                    session.suspendRead();
                }
            } else if (st.holds == 0 && messages <= st.maxMessages / 2 && bytes <= st.maxBytes / 2
                    && writes <= st.maxBytes / 2) {
                st.suspended = false;
                session.resumeRead();
                wakeUp(session, st);
            }
        }
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

    /** Bytes waiting for the session's worker now, and the most ever (tests, status). */
    public static long[] queued(IoSession session) {
        State st = (State) session.getAttribute(STATE);
        return st == null ? new long[] {0, 0} : new long[] {st.bytes.get(), st.peakBytes};
    }

    /** The session's state; one with default limits for a session the filters never saw (tests). */
    private static State state(IoSession session) {
        State st = (State) session.getAttribute(STATE);
        if (st == null) {
            State fresh = new State(256, 256 * 1024);
            st = (State) session.setAttributeIfAbsent(STATE, fresh);
            if (st == null) {
                st = fresh;
            }
        }
        return st;
    }

    private static long size(Object message) {
        if (message instanceof Line) {
            return ((Line) message).length() + 2L + PER_MESSAGE_OVERHEAD;
        }
        if (message instanceof IoBuffer) {
            return ((IoBuffer) message).remaining() + (long) PER_MESSAGE_OVERHEAD;
        }
        if (message instanceof Chunk) {
            return ((Chunk) message).length() + (long) PER_MESSAGE_OVERHEAD;
        }
        return PER_MESSAGE_OVERHEAD;
    }
}
