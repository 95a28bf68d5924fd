package org.postern.protocol;

import java.util.Arrays;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;

/**
 * Splits received bytes into {@link Line}s at LF, with a hard limit: a line longer than
 * {@code maxLength} octets (terminator included) is reported as {@link Line#tooLong()} and the
 * rest of it is discarded up to its LF, so a client can never make the server buffer more than
 * {@code maxLength} bytes. Lines ending in a bare LF are reported as such ({@link Line#crlf()}
 * false); the protocol decides what to do with them. Writes pass through untouched (write
 * {@link IoBuffer}s).
 * <p>
 * A protocol whose commands announce raw octets (SMTP's {@code BDAT n}, RFC 3030) gives a
 * {@link RawOctets}: asked on the I/O thread for every line, it says how many octets after that
 * line are not lines, and those are passed on as {@link Chunk}s as they arrive (never buffered
 * beyond one received buffer), then splitting at LF resumes.
 */
public final class LineFilter extends IoFilterAdapter {
    private static final AttributeKey STATE = new AttributeKey(LineFilter.class, "state");

    /** How many raw octets follow a line; decided where the bytes are split, on the I/O thread. */
    @FunctionalInterface
    public interface RawOctets {
        /** Octets after {@code line} that belong to it, not to the next line; 0 for none. */
        long after(IoSession session, Line line);
    }

    private final int maxLength;
    private final RawOctets raw;

    /** @param maxLength the longest line accepted, in octets including CR LF (at least 3) */
    public LineFilter(int maxLength) {
        this(maxLength, null);
    }

    /** With raw octets after some lines; {@code raw} null for none. */
    public LineFilter(int maxLength, RawOctets raw) {
        if (maxLength < 3) {
            throw new IllegalArgumentException("maxLength must be at least 3");
        }
        this.maxLength = maxLength;
        this.raw = raw;
    }

    /**
     * Forgets any partial line buffered for the session. Call it when the byte stream changes
     * meaning, such as right before a STARTTLS handshake: plaintext must not prefix a TLS line.
     */
    public static void reset(IoSession session) {
        session.removeAttribute(STATE);
    }

    private static final class State {
        final byte[] buf;
        int len;
        boolean overflow;
        /** Raw octets still to pass on as chunks before lines resume. */
        long rawRemaining;

        State(int max) {
            buf = new byte[max];
        }
    }

    @Override
    public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
        if (!(message instanceof IoBuffer)) {
            next.messageReceived(session, message);
            return;
        }
        IoBuffer in = (IoBuffer) message;
        boolean secure = session.getFilterChain().contains(SslFilter.class);
        State st = (State) session.getAttribute(STATE);
        if (st == null) {
            st = new State(maxLength);
            session.setAttribute(STATE, st);
        }
        while (in.hasRemaining()) {
            if (st.rawRemaining > 0) {
                int n = (int) Math.min(st.rawRemaining, in.remaining());
                byte[] bytes = new byte[n];
                in.get(bytes);
                st.rawRemaining -= n;
                next.messageReceived(session, new Chunk(bytes, secure));
                continue;
            }
            byte b = in.get();
            if (b == '\n') {
                boolean crlf = st.len > 0 && st.buf[st.len - 1] == '\r';
                int end = crlf ? st.len - 1 : st.len;
                Line line = new Line(Arrays.copyOf(st.buf, end), crlf, st.overflow, secure);
                st.len = 0;
                st.overflow = false;
                if (raw != null) {
                    st.rawRemaining = Math.max(0, raw.after(session, line));
                }
                next.messageReceived(session, line);
                if (session.getAttribute(STATE) != st) {
                    // reset() was called while handling the line: drop what is left of this buffer
                    in.position(in.limit());
                    return;
                }
            } else if (st.overflow) {
                // discard, but remember a CR so the terminator of a long line is still known
                st.buf[st.len - 1] = b;
            } else if (st.len >= maxLength - 1) {
                st.overflow = true;
                st.buf[st.len - 1] = b;
            } else {
                st.buf[st.len++] = b;
            }
        }
    }
}
