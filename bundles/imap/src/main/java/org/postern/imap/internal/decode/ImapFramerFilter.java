package org.postern.imap.internal.decode;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;

/**
 * A thin MINA filter around one {@link ImapFramer} per session: received {@link IoBuffer}s go in,
 * and what the framer says comes out as messages for the next filter / the handler, in order:
 * {@link FramedRequest}, {@link #CONTINUATION}, {@link Rejection} (status BAD or NO: answer it and
 * go on) and {@link Rejection} with status BYE (send it, then close). Writes pass through.
 *
 * <p>The framer runs where this filter sits. Placed before {@code Listener}'s executor it runs on
 * MINA's I/O thread, so APPEND literals are written to the spool there (buffered writes to a
 * temporary file, no fsync). A session that wants those writes on its worker threads instead can
 * skip this filter and feed an {@link ImapFramer} from its handler with the raw buffers (which
 * {@code ReadThrottle} counts the same).
 *
 * <p>When the session closes, the framer is closed: a literal being spooled and the literals of an
 * unfinished command are deleted. Requests already passed on belong to the handler, which closes
 * them (including any still queued for it when the session closed).
 */
public final class ImapFramerFilter extends IoFilterAdapter {
    /** The message that means: send {@code + Ready for literal data}. */
    public static final Object CONTINUATION = new Object() {
        @Override
        public String toString() {
            return "CONTINUATION";
        }
    };

    private static final AttributeKey FRAMER = new AttributeKey(ImapFramerFilter.class, "framer");

    private final Limits limits;
    private final LiteralSpool spool;

    public ImapFramerFilter(Limits limits, LiteralSpool spool) {
        this.limits = limits;
        this.spool = spool;
    }

    /** The session's framer, for {@link ImapFramer#expectLine()}; null before the first read. */
    public static ImapFramer framer(IoSession session) {
        return (ImapFramer) session.getAttribute(FRAMER);
    }

    @Override
    public void sessionCreated(NextFilter next, IoSession session) throws Exception {
        framerFor(next, session);
        next.sessionCreated(session);
    }

    @Override
    public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
        if (!(message instanceof IoBuffer buffer)) {
            next.messageReceived(session, message);
            return;
        }
        framerFor(next, session).feed(buffer.buf());
    }

    @Override
    public void sessionClosed(NextFilter next, IoSession session) throws Exception {
        ImapFramer f = (ImapFramer) session.removeAttribute(FRAMER);
        if (f != null) {
            f.close();
        }
        next.sessionClosed(session);
    }

    private ImapFramer framerFor(NextFilter next, IoSession session) {
        ImapFramer f = (ImapFramer) session.getAttribute(FRAMER);
        if (f == null) {
            f = new ImapFramer(limits, spool, new ImapFramer.Receiver() {
                @Override
                public void continuation() {
                    next.messageReceived(session, CONTINUATION);
                }

                @Override
                public void request(FramedRequest request) {
                    next.messageReceived(session, request);
                }

                @Override
                public void rejected(Rejection rejection) {
                    next.messageReceived(session, rejection);
                }

                @Override
                public void fatal(Rejection bye) {
                    next.messageReceived(session, bye);
                }
            });
            ImapFramer old = (ImapFramer) session.setAttributeIfAbsent(FRAMER, f);
            if (old != null) {
                f = old;
            }
        }
        return f;
    }
}
