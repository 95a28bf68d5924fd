package org.postern.pop3.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * A stored message as a POP3 multi-line response body (RFC 1939 section 3), produced a chunk at
 * a time so that no message is ever held whole in memory: lines starting with {@code .} get
 * another one (byte-stuffing), bare LF line ends become CRLF, a last line without an end gets
 * one, and the final chunk ends with the terminating {@code .CRLF}. For TOP, only the header, the
 * blank line after it and the first {@code bodyLines} lines of the body are sent.
 */
final class BodyStream implements Chunked {
    /** All of the body (RETR). */
    static final long ALL = -1;

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte DOT = '.';
    private static final int READ_BUFFER = 8192;

    private final InputStream in;
    private final long bodyLines;
    private final byte[] buf = new byte[READ_BUFFER];
    private int pos;
    private int len;

    private boolean lineStart = true;
    private boolean afterCr;
    private int lineLength; // octets of the current line, terminator not counted
    private boolean inBody;
    private long bodyLinesSent;
    private boolean finished;
    private boolean terminated;
    private long produced;

    /** @param bodyLines lines of the body after the header ({@link #ALL}: the whole message) */
    BodyStream(InputStream in, long bodyLines) {
        this.in = in;
        this.bodyLines = bodyLines;
    }

    /**
     * Up to about {@code max} octets of the response body (a few more at a line end), or null
     * once everything, terminator included, has been returned.
     */
    @Override
    public byte[] next(int max) throws IOException {
        if (terminated) {
            return null;
        }
        byte[] out = new byte[max + 8];
        int n = 0;
        while (n < max && !finished) {
            if (pos == len) {
                len = in.read(buf);
                pos = 0;
                if (len <= 0) {
                    len = 0;
                    finished = true;
                    break;
                }
            }
            byte b = buf[pos++];
            if (b == LF) {
                if (!afterCr) {
                    out[n++] = CR;
                }
                out[n++] = LF;
                afterCr = false;
                endOfLine();
            } else {
                if (lineStart && b == DOT) {
                    out[n++] = DOT;
                }
                if (afterCr) {
                    lineLength++; // a bare CR is part of the line (SMTP refuses them, a filter might not)
                }
                lineStart = false;
                afterCr = b == CR;
                if (!afterCr) {
                    lineLength++;
                }
                out[n++] = b;
            }
        }
        if (finished) {
            if (afterCr) {
                out[n++] = LF;
            } else if (!lineStart) {
                out[n++] = CR;
                out[n++] = LF;
            }
            out[n++] = DOT;
            out[n++] = CR;
            out[n++] = LF;
            terminated = true;
        }
        produced += n;
        return Arrays.copyOf(out, n);
    }

    private void endOfLine() {
        if (!inBody) {
            if (lineLength == 0) {
                inBody = true; // the blank line that ends the header
                finished = bodyLines == 0;
            }
        } else if (bodyLines != ALL && ++bodyLinesSent >= bodyLines) {
            finished = true;
        }
        lineStart = true;
        lineLength = 0;
    }

    /** Octets produced so far (tests, logs). */
    long produced() {
        return produced;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
