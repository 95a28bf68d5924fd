package org.postern.pop3.internal;

import java.io.IOException;
import javax.net.ssl.SSLException;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.postern.protocol.Line;
import org.postern.protocol.SessionEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects MINA sessions to {@link Pop3Session}s. Runs on the listener's ordered worker pool:
 * one session's events, lines and the events the server makes for it ({@link #fire}), run in
 * order, one at a time.
 */
final class Pop3Handler extends IoHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(Pop3Handler.class);
    private static final AttributeKey SESSION = new AttributeKey(Pop3Handler.class, "session");

    private final Pop3Server server;

    Pop3Handler(Pop3Server server) {
        this.server = server;
    }

    /**
     * Hands {@code event} to the session's ordered stream from any thread (an authenticator's, an
     * I/O thread completing a write): it enters the chain after the line decoder, so it passes the
     * read throttle and the worker pool like a line, never TLS or the connection limit. Returns
     * false when the session is closing; the caller then cleans up itself.
     */
    static boolean fire(IoSession io, Object event) {
        return SessionEvents.fire(io, Pop3Server.LINES, event);
    }

    @Override
    public void sessionOpened(IoSession io) {
        Pop3Session s = new Pop3Session(server, io);
        io.setAttribute(SESSION, s);
        s.open();
    }

    @Override
    public void messageReceived(IoSession io, Object message) {
        Pop3Session s = (Pop3Session) io.getAttribute(SESSION);
        if (s == null) {
            if (message instanceof Pop3Session.LoginDone) {
                ((Pop3Session.LoginDone) message).discard(); // the session is gone: no login outlives it
            }
            return;
        }
        if (message instanceof Line) {
            s.line((Line) message);
        } else if (message instanceof Pop3Session.LoginDone) {
            s.loginDone((Pop3Session.LoginDone) message);
        } else if (message == Pop3Session.PUMP) {
            s.pump();
        }
    }

    @Override
    public void sessionIdle(IoSession io, IdleStatus status) {
        Pop3Session s = (Pop3Session) io.getAttribute(SESSION);
        if (s != null && status == IdleStatus.READER_IDLE) {
            s.idle();
        }
    }

    @Override
    public void sessionClosed(IoSession io) {
        Pop3Session s = (Pop3Session) io.removeAttribute(SESSION);
        if (s != null) {
            s.closed();
        }
    }

    @Override
    public void exceptionCaught(IoSession io, Throwable cause) {
        if (cause instanceof IOException || cause instanceof SSLException) {
            LOG.debug("Postern POP3: session {} ended: {}", io.getRemoteAddress(), cause.toString());
        } else {
            LOG.warn("Postern POP3: session {} failed", io.getRemoteAddress(), cause);
        }
        io.closeNow();
    }
}
