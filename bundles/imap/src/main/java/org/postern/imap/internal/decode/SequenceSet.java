package org.postern.imap.internal.decode;

import java.util.List;

/**
 * A sequence-set (RFC 3501 9): ranges of message sequence numbers or UIDs as the client wrote
 * them, in its order and orientation, where {@link #STAR} stands for "*" (the largest number in
 * use). Resolve {@code *} with {@link Range#low(long)} / {@link Range#high(long)}.
 */
public record SequenceSet(List<Range> ranges) {
    /** "*" */
    public static final long STAR = -1;
    public static final long MAX = 4294967295L;

    public SequenceSet {
        ranges = List.copyOf(ranges);
    }

    /** One range; {@code first == last} for a single number. Either may be {@link #STAR}. */
    public record Range(long first, long last) {
        public long low(long largest) {
            return Math.min(resolve(first, largest), resolve(last, largest));
        }

        public long high(long largest) {
            return Math.max(resolve(first, largest), resolve(last, largest));
        }

        private static long resolve(long n, long largest) {
            return n == STAR ? largest : n;
        }

        @Override
        public String toString() {
            String a = first == STAR ? "*" : Long.toString(first);
            return first == last ? a : a + ":" + (last == STAR ? "*" : Long.toString(last));
        }
    }

    /** Whether {@code n} is in the set, "*" being {@code largest}. */
    public boolean contains(long n, long largest) {
        for (Range r : ranges) {
            if (n >= r.low(largest) && n <= r.high(largest)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Range r : ranges) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(r);
        }
        return b.toString();
    }
}
