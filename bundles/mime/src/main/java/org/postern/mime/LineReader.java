package org.postern.mime;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a stream once, line by line (a line ends after LF; a CR alone is data), keeping only the
 * first {@link #keep} octets of each line and counting the rest. Tracks the offset of every line
 * and how many LFs came before it. Never holds more than one buffer plus one kept prefix.
 */
final class LineReader {
    private final InputStream in;
    private final long size;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    private long consumed; // octets taken from the stream so far (buffer refills)

    private final byte[] line;
    private int kept;
    private long lineStart;
    private long lineLength; // without the terminator
    private int terminator; // 0 (EOF), 1 (LF), 2 (CRLF)
    private long lfBefore; // LFs before lineStart
    private long lfTotal; // LFs up to the end of the current line

    LineReader(InputStream in, long size, int keep) {
        this.in = in;
        this.size = size;
        this.line = new byte[keep];
    }

    /** Reads the next line; false at the end of the stream (the previous line was the last). */
    boolean next() throws IOException {
        lineStart = lineStart + lineLength + terminator;
        lfBefore = lfTotal;
        kept = 0;
        lineLength = 0;
        terminator = 0;
        boolean any = false;
        int last = -1; // last content octet of the line so far
        while (true) {
            if (pos == lim && !fill()) {
                if (!any) {
                    return false;
                }
                break;
            }
            any = true;
            int start = pos;
            int i = pos;
            while (i < lim && buf[i] != '\n') {
                i++;
            }
            int n = i - start;
            if (kept < line.length) {
                int c = Math.min(n, line.length - kept);
                System.arraycopy(buf, start, line, kept, c);
                kept += c;
            }
            lineLength += n;
            if (n > 0) {
                last = buf[i - 1];
            }
            if (i < lim) {
                pos = i + 1;
                lfTotal++;
                terminator = 1;
                break;
            }
            pos = lim;
        }
        // a CR right before the LF belongs to the terminator
        if (terminator == 1 && last == '\r') {
            lineLength--;
            terminator = 2;
            if (kept > lineLength) {
                kept = (int) lineLength;
            }
        }
        return true;
    }

    private boolean fill() throws IOException {
        if (consumed >= size) {
            return false;
        }
        int want = (int) Math.min(buf.length, size - consumed);
        int n = in.read(buf, 0, want);
        if (n < 0) {
            throw new EOFException("message shorter than its size: " + consumed + " < " + size);
        }
        consumed += n;
        pos = 0;
        lim = n;
        return n > 0 || fill();
    }

    byte[] line() {
        return line;
    }

    /** Octets of the line kept in {@link #line()} (at most the keep size, terminator excluded). */
    int kept() {
        return kept;
    }

    long lineStart() {
        return lineStart;
    }

    long lineLength() {
        return lineLength;
    }

    int terminator() {
        return terminator;
    }

    /** Offset just after the line's terminator. */
    long lineEnd() {
        return lineStart + lineLength + terminator;
    }

    long lfBefore() {
        return lfBefore;
    }

    long lfTotal() {
        return lfTotal;
    }
}
