package org.postern.smtp.internal;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.List;
import org.postern.protocol.smtp.Spool;

/**
 * A received message as it is stored: fields this server puts on top (Authentication-Results),
 * then the spooled octets with some header fields left out (Authentication-Results that only
 * claim to be this server's). Opened once per recipient; nothing is copied.
 */
final class MessageContent {
    /** Octets {@code [start, end)} of the spool that are not stored. */
    record Cut(long start, long end) {
    }

    private final byte[] top;
    private final Spool spool;
    private final List<Cut> cuts;

    /** @param cuts in ascending order, not overlapping */
    MessageContent(byte[] top, Spool spool, List<Cut> cuts) {
        this.top = top.clone();
        this.spool = spool;
        this.cuts = List.copyOf(cuts);
    }

    static MessageContent of(Spool spool) {
        return new MessageContent(new byte[0], spool, List.of());
    }

    long size() {
        long n = top.length + spool.size();
        for (Cut c : cuts) {
            n -= c.end() - c.start();
        }
        return n;
    }

    InputStream open() throws IOException {
        InputStream body = cuts.isEmpty() ? spool.open() : new Cutting(spool.open(), cuts);
        return top.length == 0 ? body : new SequenceInputStream(new ByteArrayInputStream(top), body);
    }

    /** Skips the cut ranges of the stream it wraps. */
    private static final class Cutting extends FilterInputStream {
        private final List<Cut> cuts;
        private int next;
        private long position;

        Cutting(InputStream in, List<Cut> cuts) {
            super(in);
            this.cuts = cuts;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int r = read(one, 0, 1);
            return r < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (next < cuts.size() && position >= cuts.get(next).start()) {
                Cut c = cuts.get(next++);
                long skip = c.end() - position;
                while (skip > 0) {
                    long s = in.skip(skip);
                    if (s <= 0) {
                        if (in.read() < 0) {
                            return -1;
                        }
                        s = 1;
                    }
                    skip -= s;
                    position += s;
                }
            }
            int max = len;
            if (next < cuts.size()) {
                max = (int) Math.min(max, cuts.get(next).start() - position);
            }
            int r = in.read(b, off, max);
            if (r > 0) {
                position += r;
            }
            return r;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] sink = new byte[(int) Math.min(8192, Math.max(1, n))];
            long done = 0;
            while (done < n) {
                int r = read(sink, 0, (int) Math.min(sink.length, n - done));
                if (r < 0) {
                    break;
                }
                done += r;
            }
            return done;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
