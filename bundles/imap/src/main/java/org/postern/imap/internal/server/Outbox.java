package org.postern.imap.internal.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.IoSession;

/**
 * What a session has to send, in order: response bytes and message bodies, the bodies read from
 * the store only as the socket takes them. At most {@link #WINDOW} octets are written and not yet
 * sent; the rest waits, and the next part is written when the socket has taken half (an event in
 * the session's ordered stream, so no worker ever waits for a slow reader). Not thread-safe: used
 * from the session's ordered stream only, except the write completions.
 */
final class Outbox {
    static final int CHUNK = 16 * 1024;
    static final long WINDOW = 128 * 1024;

    /** Opens a message's bytes from their start. */
    interface Source {
        InputStream open() throws IOException;
    }

    private record Range(Source source, long offset, long length) {
    }

    /** Where a {@link Producer} puts one part of its output. */
    interface Sink {
        void add(byte[] bytes);

        void add(Source source, long offset, long length);
    }

    /**
     * Output made part by part as the socket takes it (a FETCH over many messages: one message's
     * response at a time), so that a long response never sits whole in memory.
     */
    interface Producer {
        /** Adds the next part to {@code sink}; false once it has added its last. */
        boolean produce(Sink sink);
    }

    /** Output a producer makes later, in its place in the order. */
    void add(Producer producer) {
        queue.add(producer);
    }

    private final IoSession io;
    private final Runnable wakeUp;
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private InputStream current;
    private long currentLeft;
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicBoolean waiting = new AtomicBoolean();
    /** A body that failed while later parts were being joined, thrown at the next pump. */
    private UncheckedIOException failed;

    /** @param wakeUp puts a pump event into the session's ordered stream (from any thread) */
    Outbox(IoSession io, Runnable wakeUp) {
        this.io = io;
        this.wakeUp = wakeUp;
    }

    void add(byte[] bytes) {
        if (bytes.length > 0) {
            queue.add(bytes);
        }
    }

    /** {@code length} octets of {@code source} from {@code offset}; a shorter source is padded with spaces. */
    void add(Source source, long offset, long length) {
        if (length > 0) {
            queue.add(new Range(source, offset, length));
        }
    }

    /** True when everything added has been handed to the socket. */
    boolean drained() {
        return queue.isEmpty() && current == null;
    }

    /** Octets the socket has taken so far. */
    long sent() {
        return sent.get();
    }

    /** Octets handed to the socket and not yet sent. */
    long inFlight() {
        return inFlight.get();
    }

    /**
     * Writes what fits in the window. A body that can no longer be read (deleted meanwhile) cannot
     * be taken back once its literal was announced: the caller closes the connection.
     *
     * @throws UncheckedIOException when a body cannot be read
     */
    void pump() {
        waiting.set(false);
        while (inFlight.get() < WINDOW) {
            byte[] next = coalesced();
            if (next == null) {
                return;
            }
            int n = next.length;
            inFlight.addAndGet(n);
            io.write(IoBuffer.wrap(next)).addListener(f -> {
                sent.addAndGet(n);
                long left = inFlight.addAndGet(-n);
                if (left <= WINDOW / 2 && waiting.compareAndSet(true, false)) {
                    wakeUp.run();
                }
            });
        }
        waiting.set(true);
        if (inFlight.get() <= WINDOW / 2 && waiting.compareAndSet(true, false)) {
            wakeUp.run();
        }
    }

    /**
     * The next parts joined up to {@link #CHUNK} octets: a FETCH of 10,000 messages' flags is
     * 10,000 small responses, and one socket write each cost more than making them.
     */
    private byte[] coalesced() {
        if (failed != null) {
            UncheckedIOException f = failed;
            failed = null;
            throw f;
        }
        byte[] first = next();
        if (first == null || first.length >= CHUNK) {
            return first;
        }
        java.io.ByteArrayOutputStream joined = null;
        int total = first.length;
        while (total < CHUNK) {
            byte[] more;
            try {
                more = next();
            } catch (UncheckedIOException e) {
                // What was joined already are whole responses: they go out, the failure next time.
                failed = e;
                break;
            }
            if (more == null) {
                break;
            }
            if (joined == null) {
                joined = new java.io.ByteArrayOutputStream(CHUNK + more.length);
                joined.writeBytes(first);
            }
            joined.writeBytes(more);
            total += more.length;
        }
        return joined == null ? first : joined.toByteArray();
    }

    private byte[] next() {
        try {
            while (true) {
                if (current != null) {
                    if (currentLeft == 0) {
                        closeCurrent();
                        continue;
                    }
                    byte[] buf = new byte[(int) Math.min(CHUNK, currentLeft)];
                    int read = current.readNBytes(buf, 0, buf.length);
                    if (read < buf.length) {
                        // The stored size said more: keep the announced literal's length.
                        java.util.Arrays.fill(buf, read, buf.length, (byte) ' ');
                        if (read == 0) {
                            closeCurrent();
                            currentLeft = 0;
                            return buf;
                        }
                    }
                    currentLeft -= buf.length;
                    return buf;
                }
                Object first = queue.peek();
                if (first instanceof Producer p) {
                    java.util.List<Object> staged = new java.util.ArrayList<>();
                    boolean more = p.produce(new Sink() {
                        @Override
                        public void add(byte[] bytes) {
                            if (bytes.length > 0) {
                                staged.add(bytes);
                            }
                        }

                        @Override
                        public void add(Source source, long offset, long length) {
                            if (length > 0) {
                                staged.add(new Range(source, offset, length));
                            }
                        }
                    });
                    if (!more) {
                        queue.poll();
                    }
                    for (int i = staged.size() - 1; i >= 0; i--) {
                        queue.addFirst(staged.get(i));
                    }
                    continue;
                }
                Object head = queue.poll();
                if (head == null) {
                    return null;
                }
                if (head instanceof byte[]) {
                    return (byte[]) head;
                }
                Range r = (Range) head;
                InputStream in = r.source().open();
                long skipped = in.skip(r.offset());
                while (skipped < r.offset()) {
                    long s = in.skip(r.offset() - skipped);
                    if (s <= 0) {
                        break;
                    }
                    skipped += s;
                }
                current = in;
                currentLeft = r.length();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void closeCurrent() {
        try {
            if (current != null) {
                current.close();
            }
        } catch (IOException ignored) {
            // read to its end or abandoned: nothing to keep
        }
        current = null;
    }

    /** The session ended: nothing more is sent; open bodies are closed. */
    void close() {
        closeCurrent();
        queue.clear();
    }
}
