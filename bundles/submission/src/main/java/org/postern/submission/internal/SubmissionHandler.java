package org.postern.submission.internal;

import java.io.IOException;
import javax.net.ssl.SSLException;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.postern.protocol.Line;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Connects MINA sessions to {@link SubmissionSession}s, on the listener's ordered worker pool. */
final class SubmissionHandler extends IoHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SubmissionHandler.class);
    private static final AttributeKey SESSION = new AttributeKey(SubmissionHandler.class, "session");

    private final SubmissionServer server;

    SubmissionHandler(SubmissionServer server) {
        this.server = server;
    }

    @Override
    public void sessionOpened(IoSession io) {
        SubmissionSession s = new SubmissionSession(server, io);
        io.setAttribute(SESSION, s);
        s.open();
    }

    @Override
    public void messageReceived(IoSession io, Object message) {
        SubmissionSession s = (SubmissionSession) io.getAttribute(SESSION);
        if (s == null) {
            return;
        }
        if (message instanceof Line line) {
            s.line(line);
        } else if (message instanceof SubmissionSession.LoginDone done) {
            s.loginDone(done);
        } else if (message instanceof SubmissionSession.Revoked) {
            s.revoked();
        }
    }

    @Override
    public void sessionIdle(IoSession io, IdleStatus status) {
        SubmissionSession s = (SubmissionSession) io.getAttribute(SESSION);
        if (s != null && status == IdleStatus.READER_IDLE) {
            s.idle();
        }
    }

    @Override
    public void sessionClosed(IoSession io) {
        SubmissionSession s = (SubmissionSession) io.removeAttribute(SESSION);
        if (s != null) {
            s.closed();
        }
    }

    @Override
    public void exceptionCaught(IoSession io, Throwable cause) {
        if (cause instanceof IOException || cause instanceof SSLException) {
            LOG.debug("Postern submission: session {} ended: {}", io.getRemoteAddress(), cause.toString());
        } else {
            LOG.warn("Postern submission: session {} failed", io.getRemoteAddress(), cause);
        }
        io.closeNow();
    }
}
