package org.postern.smtp.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.postern.protocol.Line;
import org.postern.protocol.LineFilter;
import org.postern.protocol.ReadThrottle;
import org.postern.protocol.Tls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Connects MINA sessions to {@link SmtpSession}s. Runs on the listener's ordered worker pool. */
final class SmtpHandler extends IoHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpHandler.class);
    private static final AttributeKey SESSION = new AttributeKey(SmtpHandler.class, "session");

    private final SmtpServer server;

    SmtpHandler(SmtpServer server) {
        this.server = server;
    }

    @Override
    public void sessionOpened(IoSession io) {
        SmtpSession s = new SmtpSession(server, new MinaOut(io), (InetSocketAddress) io.getRemoteAddress());
        io.setAttribute(SESSION, s);
        s.open();
    }

    @Override
    public void messageReceived(IoSession io, Object message) {
        SmtpSession s = (SmtpSession) io.getAttribute(SESSION);
        if (s != null && message instanceof Line) {
            s.line((Line) message);
        }
    }

    @Override
    public void sessionIdle(IoSession io, IdleStatus status) {
        SmtpSession s = (SmtpSession) io.getAttribute(SESSION);
        if (s != null && status == IdleStatus.READER_IDLE) {
            s.idle();
        }
    }

    @Override
    public void sessionClosed(IoSession io) {
        SmtpSession s = (SmtpSession) io.removeAttribute(SESSION);
        if (s != null) {
            s.closed();
        }
    }

    @Override
    public void exceptionCaught(IoSession io, Throwable cause) {
        if (cause instanceof IOException || cause instanceof SSLException) {
            LOG.debug("Postern SMTP: session {} ended: {}", io.getRemoteAddress(), cause.toString());
        } else {
            LOG.warn("Postern SMTP: session {} failed", io.getRemoteAddress(), cause);
        }
        io.closeNow();
    }

    /** Writes replies to a MINA session. */
    static final class MinaOut implements SmtpSession.Out {
        private final IoSession io;

        MinaOut(IoSession io) {
            this.io = io;
        }

        @Override
        public void send(String line) {
            io.write(IoBuffer.wrap((line + "\r\n").getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public void close() {
            io.closeOnFlush();
        }

        @Override
        public void startTls(String line, SSLContext context) {
            // The reply must leave in clear text and the filter must be in before the client's
            // handshake is read. Reading is suspended until both hold: the write listener may run
            // on this worker thread (when the write completes before addListener), so relying on
            // the I/O thread's ordering let a ClientHello slip into the line decoder under load.
            io.suspendRead();
            io.write(IoBuffer.wrap((line + "\r\n").getBytes(StandardCharsets.US_ASCII))).addListener(f -> {
                try {
                    LineFilter.reset(io);
                    io.getFilterChain().addFirst("tls", Tls.filter(context));
                } finally {
                    ReadThrottle.resumeReadNow(io);
                }
            });
        }

        @Override
        public void idleTimeout(int seconds) {
            io.getConfig().setReaderIdleTime(seconds);
        }
    }
}
