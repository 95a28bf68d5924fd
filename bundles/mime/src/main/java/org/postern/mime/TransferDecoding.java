package org.postern.mime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Content-Transfer-Encoding (RFC 2045 §6) undone as a stream, leniently: what a mail reader shows,
 * never an exception for what a sender got wrong. Base64 skips every octet outside its alphabet and
 * starts a new quantum after padding (senders concatenate encoded blocks); quoted-printable keeps a
 * malformed {@code =} as written. Neither holds more than one buffer.
 */
final class TransferDecoding {
    private TransferDecoding() {
    }

    /** {@code encoded} decoded per the field's value; anything but base64 and quoted-printable is identity. */
    static InputStream decoding(InputStream encoded, String contentTransferEncoding) {
        return decoding(encoded, contentTransferEncoding, Long.MAX_VALUE);
    }

    /**
     * As {@link #decoding(InputStream, String)}, for {@code encodedLength} octets: the buffer is no
     * larger than they need (a message of 10,000 parts of a few octets would otherwise allocate
     * 10,000 full buffers per search).
     */
    static InputStream decoding(InputStream encoded, String contentTransferEncoding, long encodedLength) {
        String cte = contentTransferEncoding == null ? null : MimeValues.singleToken(contentTransferEncoding);
        if (cte == null) {
            return encoded;
        }
        return switch (cte.toLowerCase(Locale.ROOT)) {
            case "base64" -> new Base64Input(encoded, encodedLength);
            case "quoted-printable" -> new QuotedPrintableInput(encoded, encodedLength);
            default -> encoded;
        };
    }

    /** Reads into an own buffer and hands out decoded octets. */
    private abstract static class Decoding extends InputStream {
        /**
         * The smallest buffer: {@link #ensure} must be able to hold what quoted-printable asks of it
         * ({@code MAX_PADDING + 3}), or it would read into no room forever.
         */
        static final int MIN_BUFFER = 256;

        final InputStream in;
        final byte[] buf;
        int pos;
        int lim;
        boolean eof;

        Decoding(InputStream in, long encodedLength) {
            this.in = in;
            this.buf = new byte[(int) Math.max(MIN_BUFFER, Math.min(16 * 1024, encodedLength))];
        }

        /** Makes at least {@code n} octets available unless the stream ends first; true when they are. */
        final boolean ensure(int n) throws IOException {
            while (lim - pos < n && !eof) {
                if (pos > 0) {
                    System.arraycopy(buf, pos, buf, 0, lim - pos);
                    lim -= pos;
                    pos = 0;
                }
                int r = in.read(buf, lim, buf.length - lim);
                if (r < 0) {
                    eof = true;
                } else {
                    lim += r;
                }
            }
            return lim - pos >= n;
        }

        @Override
        public final int read() throws IOException {
            byte[] one = new byte[1];
            int r = read(one, 0, 1);
            return r < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    static final class Base64Input extends Decoding {
        private int bits;
        private int count;

        Base64Input(InputStream in, long encodedLength) {
            super(in, encodedLength);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = 0;
            while (n < len && ensure(1)) {
                int c = buf[pos++] & 0xff;
                int v = value(c);
                if (v >= 0) {
                    bits = (bits << 6) | v;
                    count += 6;
                    if (count >= 8) {
                        count -= 8;
                        b[off + n++] = (byte) (bits >>> count);
                        bits &= (1 << count) - 1;
                    }
                } else if (c == '=') {
                    bits = 0;
                    count = 0;
                }
            }
            return n == 0 && len > 0 ? -1 : n;
        }

        private static int value(int c) {
            if (c >= 'A' && c <= 'Z') {
                return c - 'A';
            }
            if (c >= 'a' && c <= 'z') {
                return c - 'a' + 26;
            }
            if (c >= '0' && c <= '9') {
                return c - '0' + 52;
            }
            return c == '+' ? 62 : c == '/' ? 63 : -1;
        }
    }

    static final class QuotedPrintableInput extends Decoding {
        /** White space tolerated between a soft line break's {@code =} and the line end (RFC 2045 says none; senders pad). */
        private static final int MAX_PADDING = 80;

        QuotedPrintableInput(InputStream in, long encodedLength) {
            super(in, encodedLength);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = 0;
            while (n < len && ensure(1)) {
                byte c = buf[pos];
                if (c != '=') {
                    b[off + n++] = c;
                    pos++;
                    continue;
                }
                ensure(MAX_PADDING + 3);
                int hi = pos + 1 < lim ? hex(buf[pos + 1]) : -1;
                int lo = pos + 2 < lim ? hex(buf[pos + 2]) : -1;
                if (hi >= 0 && lo >= 0) {
                    b[off + n++] = (byte) (hi << 4 | lo);
                    pos += 3;
                    continue;
                }
                int i = pos + 1;
                while (i < lim && i - pos <= MAX_PADDING && (buf[i] == ' ' || buf[i] == '\t')) {
                    i++;
                }
                if (i < lim && buf[i] == '\n') {
                    pos = i + 1; // soft line break
                } else if (i + 1 < lim && buf[i] == '\r' && buf[i + 1] == '\n') {
                    pos = i + 2;
                } else if (i == lim && eof) {
                    pos = lim; // "=" (and padding) at the very end: a soft break before nothing
                } else {
                    b[off + n++] = c; // not an escape: the "=" as written
                    pos++;
                }
            }
            return n == 0 && len > 0 ? -1 : n;
        }

        private static int hex(byte c) {
            if (c >= '0' && c <= '9') {
                return c - '0';
            }
            if (c >= 'A' && c <= 'F') {
                return c - 'A' + 10;
            }
            if (c >= 'a' && c <= 'f') {
                return c - 'a' + 10;
            }
            return -1;
        }
    }
}
