package org.postern.imap.internal.server;

import java.io.IOException;
import javax.net.ssl.SSLException;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.postern.protocol.Chunk;
import org.postern.protocol.SessionEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects MINA sessions to {@link ImapSession}s. Runs on the listener's ordered worker pool: one
 * session's chunks and the events made for it ({@link #fire}) run in order, one at a time.
 */
final class ImapHandler extends IoHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ImapHandler.class);
    private static final AttributeKey SESSION = new AttributeKey(ImapHandler.class, "session");

    private final ImapServer server;

    ImapHandler(ImapServer server) {
        this.server = server;
    }

    /**
     * Hands {@code event} to the session's ordered stream from any thread: it enters the chain
     * after the chunk filter, so it passes the read throttle and the worker pool like input.
     * False when the session is closing.
     */
    static boolean fire(IoSession io, Object event) {
        return SessionEvents.fire(io, ImapServer.CHUNKS, event);
    }

    @Override
    public void sessionOpened(IoSession io) {
        ImapSession s = new ImapSession(server, io);
        io.setAttribute(SESSION, s);
        s.open();
    }

    @Override
    public void messageReceived(IoSession io, Object message) {
        ImapSession s = (ImapSession) io.getAttribute(SESSION);
        if (s == null) {
            if (message instanceof ImapSession.LoginDone) {
                ((ImapSession.LoginDone) message).discard();
            }
            return;
        }
        if (message instanceof Chunk) {
            s.received((Chunk) message);
        } else if (message instanceof ImapSession.LoginDone) {
            s.loginDone((ImapSession.LoginDone) message);
        } else if (message == ImapSession.PUMP) {
            s.pump();
        } else if (message == ImapSession.CHANGED) {
            s.changed();
        } else if (message == ImapSession.REVOKED) {
            s.revoked();
        }
    }

    @Override
    public void sessionIdle(IoSession io, IdleStatus status) {
        ImapSession s = (ImapSession) io.getAttribute(SESSION);
        if (s != null && status == IdleStatus.READER_IDLE) {
            s.idle();
        }
    }

    @Override
    public void sessionClosed(IoSession io) {
        ImapSession s = (ImapSession) io.removeAttribute(SESSION);
        if (s != null) {
            s.closed();
        }
    }

    @Override
    public void exceptionCaught(IoSession io, Throwable cause) {
        if (cause instanceof IOException || cause instanceof SSLException) {
            LOG.debug("Postern IMAP: session {} ended: {}", io.getRemoteAddress(), cause.toString());
        } else {
            LOG.warn("Postern IMAP: session {} failed", io.getRemoteAddress(), cause);
        }
        io.closeNow();
    }
}
