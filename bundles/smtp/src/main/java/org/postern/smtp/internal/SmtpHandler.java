package org.postern.smtp.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterChain;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.postern.api.dns.SendingServerResolver;
import org.postern.protocol.Chunk;
import org.postern.protocol.Line;
import org.postern.protocol.smtp.SmtpChunking;
import org.postern.protocol.LineFilter;
import org.postern.protocol.ReadThrottle;
import org.postern.protocol.Tls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Connects MINA sessions to {@link SmtpSession}s. Runs on the listener's ordered worker pool. */
final class SmtpHandler extends IoHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpHandler.class);
    private static final AttributeKey SESSION = new AttributeKey(SmtpHandler.class, "session");
    private static final AttributeKey OUT = new AttributeKey(SmtpHandler.class, "out");

    private final SmtpServer server;

    SmtpHandler(SmtpServer server) {
        this.server = server;
    }

    /** Longest wait for the sending server's name before greeting without it. */
    static final long LOOKUP_TIMEOUT_MS = 3000;

    /** The outcome of the reverse lookup, delivered through the chain in the session's order. */
    record Resolved(String confirmedName) {
    }

    /**
     * Starts the session. The forward-confirmed reverse lookup runs asynchronously: no worker
     * waits on the network, so slow DNS for one client never holds up another (with 64 workers
     * and 64 slow lookups, it used to stall every session). Reads stay suspended until the
     * greeting is out (see {@link #sessionCreated}).
     */
    /**
     * Runs on the I/O thread before anything is read: nothing the client sends is read until the
     * greeting is out, so no command runs before the connect-stage policies and the lookup.
     */
    @Override
    public void sessionCreated(IoSession io) {
        ReadThrottle.hold(io);
    }

    @Override
    public void sessionOpened(IoSession io) {
        InetSocketAddress remote = (InetSocketAddress) io.getRemoteAddress();
        MinaOut out = new MinaOut(io);
        io.setAttribute(OUT, out);
        SmtpSession s = new SmtpSession(server, out, remote);
        io.setAttribute(SESSION, s);
        SendingServerResolver resolver = server.resolver;
        if (resolver == null) {
            s.open(null);
            ReadThrottle.release(io);
            return;
        }
        CompletableFuture<Optional<String>> lookup;
        try {
            lookup = resolver.confirmedName(remote.getAddress()).toCompletableFuture();
        } catch (RuntimeException e) {
            LOG.warn("Postern SMTP: sending-server lookup failed for {}: {}", remote, e.toString());
            lookup = CompletableFuture.completedFuture(Optional.empty());
        }
        lookup.completeOnTimeout(Optional.empty(), LOOKUP_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .whenComplete((name, failure) -> {
                    if (failure != null) {
                        LOG.warn("Postern SMTP: sending-server lookup failed for {}: {}", remote, failure.toString());
                    }
                    if (io.isConnected() && !io.isClosing()) {
                        // Back into the session's ordered stream: the worker pool runs it.
                        io.getFilterChain().fireMessageReceived(
                                new Resolved(failure == null && name != null ? name.orElse(null) : null));
                    }
                });
    }

    /** A continuation of the session after asynchronous work, run in the session's order. */
    record Resume(Runnable then) {
    }

    @Override
    public void messageReceived(IoSession io, Object message) {
        if (message == MinaOut.FLUSH) {
            MinaOut out = (MinaOut) io.getAttribute(OUT);
            if (out != null) {
                out.flush();
            }
            return;
        }
        if (message instanceof Resume) {
            // Runs even when the session has ended (it then does nothing but release), so the
            // hold taken by await() is always given back.
            try {
                ((Resume) message).then().run();
            } finally {
                ReadThrottle.release(io);
            }
            return;
        }
        SmtpSession s = (SmtpSession) io.getAttribute(SESSION);
        if (s == null) {
            return;
        }
        if (message instanceof Line) {
            s.line((Line) message);
        } else if (message instanceof Chunk) {
            s.chunk((Chunk) message);
        } else if (message instanceof Resolved) {
            s.open(((Resolved) message).confirmedName());
            ReadThrottle.release(io);
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

    /**
     * Writes replies to a MINA session, those to pipelined commands together (RFC 2920 lets a
     * server hold replies while more commands wait): when nothing else is queued for the
     * session a reply is written at once; otherwise it is kept until a flush event, queued in
     * the session's order when the first of them was kept, reaches the worker. The commands
     * already decoded are ahead of it in that queue, so the replies to a pipelined MAIL, RCPT and
     * DATA leave in one write, where each took a write, a selector wake-up and a messageSent
     * event of its own (a twentieth of the MX's CPU at one client). Nothing waits for input,
     * and a message's outcome is flushed at once by the session ({@link #flush()}). What is kept
     * is bounded by the replies to the commands queued ahead of the flush, which the read
     * throttle bounds; those replies do not count in its bound on unwritten replies until
     * flushed. A buffer grown by a long batch is dropped after it is written.
     */
    static final class MinaOut implements SmtpSession.Out {
        /** The flush event: runs {@link #flush()} in the session's order. */
        static final Object FLUSH = new Object() {
            @Override
            public String toString() {
                return "flush replies";
            }
        };

        private final IoSession io;
        /** Above this capacity the buffer is not kept for the next batch. */
        private static final int KEEP_CAPACITY = 4096;

        private StringBuilder kept = new StringBuilder(); // guarded by this
        private boolean flushQueued; // guarded by this

        MinaOut(IoSession io) {
            this.io = io;
        }

        @Override
        public void send(String line) {
            boolean queue;
            synchronized (this) {
                kept.append(line).append("\r\n");
                queue = !flushQueued;
                flushQueued = true;
            }
            if (!queue) {
                return;
            }
            // The read throttle has already uncounted the event being handled: 0 means no
            // command waits behind this one (RFC 2920's "input buffer empty"), so nothing would
            // join this reply. A stopping listener's workers take no more events (they are
            // shut down after the acceptor is disposed, which has closed the session).
            if (ReadThrottle.queued(io)[0] == 0 || io.getService().isDisposing() || io.getService().isDisposed()) {
                flush();
            } else {
                resume(io, FLUSH);
            }
        }

        /** Writes what was kept, in one buffer. */
        @Override
        public void flush() {
            String replies;
            synchronized (this) {
                flushQueued = false;
                if (kept.length() == 0) {
                    return;
                }
                replies = kept.toString();
                if (kept.capacity() > KEEP_CAPACITY) {
                    kept = new StringBuilder();
                } else {
                    kept.setLength(0);
                }
            }
            io.write(IoBuffer.wrap(replies.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public void close() {
            flush(); // the last replies (a 221, a 421) before the close
            io.closeOnFlush();
        }

        @Override
        public void startTls(String line, SSLContext context) {
            // The reply must leave in clear text and the filter must be in before the client's
            // handshake is read. Reading is suspended until both hold: the write listener may run
            // on this worker thread (when the write completes before addListener), so relying on
            // the I/O thread's ordering let a ClientHello slip into the line decoder under load.
            ReadThrottle.hold(io);
            flush(); // replies to commands pipelined before STARTTLS go first, in clear text
            io.write(IoBuffer.wrap((line + "\r\n").getBytes(StandardCharsets.US_ASCII))).addListener(f -> {
                try {
                    LineFilter.reset(io);
                    io.getFilterChain().addFirst("tls", Tls.filter(context));
                } finally {
                    ReadThrottle.release(io);
                }
            });
        }

        @Override
        public <T> void await(CompletionStage<T> stage, Consumer<T> then) {
            // No read until the continuation has run: commands pipelined behind the end of DATA
            // wait in the socket, not in memory (the session queues the few already decoded).
            ReadThrottle.hold(io);
            stage.whenComplete((value, failure) -> resume(io, new Resume(() -> then.accept(failure == null ? value : null))));
        }

        /**
         * Hands the continuation to the filters after the line filter (the read throttle, then
         * the ordered worker pool). Not from the head of the chain: after STARTTLS the TLS
         * filter is there and takes every received message for ciphertext.
         */
        private static void resume(IoSession io, Object r) {
            IoFilterChain.Entry lines = io.getFilterChain().getEntry(SmtpServer.LINES);
            if (lines != null) {
                lines.getNextFilter().messageReceived(io, r);
            } else {
                io.getFilterChain().fireMessageReceived(r); // no TLS without the line filter either
            }
        }

        @Override
        public void dataStarted() {
            SmtpChunking.dataStarted(io);
        }

        @Override
        public void idleTimeout(int seconds) {
            io.getConfig().setReaderIdleTime(seconds);
        }
    }
}
