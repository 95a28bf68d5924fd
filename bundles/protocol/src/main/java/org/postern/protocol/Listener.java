package org.postern.protocol;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.mina.core.filterchain.DefaultIoFilterChainBuilder;
import org.apache.mina.core.filterchain.IoFilter;
import org.apache.mina.core.service.IoHandler;
import org.apache.mina.core.service.SimpleIoProcessorPool;
import org.apache.mina.filter.executor.ExecutorFilter;
import org.apache.mina.filter.executor.OrderedThreadPoolExecutor;
import org.apache.mina.transport.socket.nio.NioSession;
import org.postern.protocol.internal.WriteSafeNioProcessor;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;

/**
 * One bound TCP listener: a {@link NioSocketAcceptor} on host:port with a reader-idle timeout,
 * the caller's filters in order, and last an {@link ExecutorFilter} whose ordered worker pool
 * runs the handler, with a {@link ReadThrottle} around it so that a session's backlog is bounded. Per session, events stay in order; a handler that blocks (DNS, fsync) holds
 * up only its own session, never the I/O threads. {@link #close()} unbinds, closes every session
 * and stops the worker pool.
 */
public final class Listener implements AutoCloseable {
    /** Largest socket read, in bytes (MINA's default grows to 64 KiB). */
    static final int MAX_READ_BUFFER = 4096;
    /** A client that takes none of its pending output for this long is disconnected. */
    public static final int DEFAULT_WRITE_TIMEOUT_SECONDS = 60;

    private final NioSocketAcceptor acceptor;
    private final SimpleIoProcessorPool<NioSession> io;
    private final OrderedThreadPoolExecutor workers;

    private Listener(NioSocketAcceptor acceptor, SimpleIoProcessorPool<NioSession> io, OrderedThreadPoolExecutor workers) {
        this.acceptor = acceptor;
        this.io = io;
        this.workers = workers;
    }

    /** Starts describing a listener on {@code host:port} (port 0: any free port). */
    public static Builder on(String host, int port) {
        return new Builder(host, port);
    }

    /** The address actually bound (the real port when 0 was asked for). */
    public InetSocketAddress localAddress() {
        return acceptor.getLocalAddress();
    }

    /** Sessions currently open. */
    public int sessionCount() {
        return acceptor.getManagedSessionCount();
    }

    @Override
    public void close() {
        try {
            acceptor.unbind();
        } finally {
            acceptor.dispose(true);
            io.dispose(); // an acceptor given its processors does not dispose them
            workers.shutdownNow();
        }
    }

    /** Collects a listener's settings; {@link #bind} opens it. */
    public static final class Builder {
        private final String host;
        private final int port;
        private int idleSeconds = 300;
        private int writeTimeoutSeconds = DEFAULT_WRITE_TIMEOUT_SECONDS;
        private int maxWorkers = 64;
        private int maxQueuedMessages = 256;
        private long maxQueuedBytes = 256 * 1024;
        private String name = "protocol";
        private final List<Map.Entry<String, IoFilter>> filters = new ArrayList<>();

        private Builder(String host, int port) {
            this.host = Objects.requireNonNull(host);
            this.port = port;
        }

        /** Thread names: {@code postern-<name>-N}. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Reader-idle time reported to the handler as {@code sessionIdle(READER_IDLE)}. */
        public Builder idleTimeout(int seconds) {
            this.idleSeconds = seconds;
            return this;
        }

        /**
         * How long written data may wait for a client that takes none of it before the connection
         * is closed ({@link #DEFAULT_WRITE_TIMEOUT_SECONDS} unless set). This is what ends a
         * session that is closing with output the client never reads (a BYE after a flood of
         * pipelined commands, a stalled RETR): closing waits for pending writes, and without
         * this bound it would hold its connection slot and login for good.
         */
        public Builder writeTimeout(int seconds) {
            if (seconds <= 0) {
                throw new IllegalArgumentException("write timeout must be positive: " + seconds);
            }
            this.writeTimeoutSeconds = seconds;
            return this;
        }

        /** Upper bound of handler threads shared by all sessions of this listener. */
        public Builder maxWorkers(int n) {
            this.maxWorkers = n;
            return this;
        }

        /**
         * Per-session bound of what may wait for a worker; past it, reading from that session's
         * socket is suspended until half has been handled (see {@link ReadThrottle}).
         */
        public Builder maxQueued(int messages, long bytes) {
            this.maxQueuedMessages = messages;
            this.maxQueuedBytes = bytes;
            return this;
        }

        /**
         * Implicit TLS (IMAPS, POP3S, submissions on 465): appends the TLS filter, so call it
         * right after the connection limit (a refused client then costs no handshake). New
         * sessions take the context {@code context} supplies at accept time.
         */
        public Builder implicitTls(java.util.function.Supplier<javax.net.ssl.SSLContext> context) {
            return filter("tls", Tls.filter(context));
        }

        /** Appends a filter; filters run in the order added, nearest the socket first. */
        public Builder filter(String filterName, IoFilter filter) {
            filters.add(Map.entry(filterName, filter));
            return this;
        }

        /** Binds now. @throws IOException when the address cannot be bound (in use, not local) */
        public Listener bind(IoHandler handler) throws IOException {
            // MINA's own processor can lose the end of a large write (WriteSafeNioProcessor).
            SimpleIoProcessorPool<NioSession> io = new SimpleIoProcessorPool<>(WriteSafeNioProcessor.class);
            NioSocketAcceptor acceptor = new NioSocketAcceptor(io);
            OrderedThreadPoolExecutor workers = new OrderedThreadPoolExecutor(0, maxWorkers, 30, TimeUnit.SECONDS,
                    threads("postern-" + name));
            try {
                acceptor.setReuseAddress(true);
                acceptor.setCloseOnDeactivation(true);
                acceptor.getSessionConfig().setReaderIdleTime(idleSeconds);
                // Set, not left to MINA's default: closing sessions depend on it (writeTimeout()).
                acceptor.getSessionConfig().setWriteTimeout(writeTimeoutSeconds);
                // Line protocols answer in small writes; with Nagle on, a reply waits for the
                // client's delayed ACK (40 ms on Linux) behind the previous one. Measured: one
                // SMTP client went from 50 ms to a few ms per message.
                acceptor.getSessionConfig().setTcpNoDelay(true);
                // One socket read is decoded whole before a suspension can take effect: keep it
                // small, so that a read of bare LFs is a few thousand lines, not 65,536.
                acceptor.getSessionConfig().setMaxReadBufferSize(MAX_READ_BUFFER);
                DefaultIoFilterChainBuilder chain = acceptor.getFilterChain();
                for (Map.Entry<String, IoFilter> f : filters) {
                    chain.addLast(f.getKey(), f.getValue());
                }
                ReadThrottle throttle = new ReadThrottle(maxQueuedMessages, maxQueuedBytes);
                chain.addLast("throttle-in", throttle.in());
                chain.addLast("workers", new ExecutorFilter(workers));
                chain.addLast("throttle-out", throttle.out());
                acceptor.setHandler(handler);
                acceptor.bind(new InetSocketAddress(host, port));
                return new Listener(acceptor, io, workers);
            } catch (IOException | RuntimeException e) {
                acceptor.dispose(false);
                io.dispose();
                workers.shutdownNow();
                throw e;
            }
        }

        private static ThreadFactory threads(String prefix) {
            AtomicInteger n = new AtomicInteger();
            return r -> {
                Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
        }
    }
}
