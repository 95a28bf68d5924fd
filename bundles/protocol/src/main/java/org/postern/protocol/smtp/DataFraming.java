package org.postern.protocol.smtp;

import java.io.IOException;
import org.postern.protocol.Line;

/**
 * One message's DATA: end-of-data detection and dot-unstuffing (RFC 5321 4.5.2), the line
 * checks that refuse a message (bare LF, bare CR or NUL, overlong lines, non-UTF-8 headers under
 * SMTPUTF8, the size limit) and spooling. It reads to the end of data whatever goes wrong, so the
 * session stays in step with the client; {@link #refusal()} then says why the message is refused.
 * Shared by the MX and (later) submission.
 */
public final class DataFraming {
    private static final byte[] CRLF = {'\r', '\n'};

    /** Why the message is refused, in the order the reply reports them; null when it is fine. */
    public enum Refusal {
        SPOOL_FAILED, BARE_LF, BARE_CR_OR_NUL, HEADER_NOT_UTF8, TOO_BIG, LINE_TOO_LONG
    }

    private final Spool spool;
    private final long maxSize;
    private final boolean smtputf8;
    /** BDAT chunks: a partial line between chunks, at most the longest line allowed. */
    private final byte[] partial;
    private int partialLength;
    private boolean partialOverflow;
    private boolean previousCrlf = true;
    private boolean inHeader = true;
    private boolean bareLf;
    private boolean badBytes;
    private boolean badUtf8;
    private boolean longLine;
    private boolean oversize;
    private IOException spoolFailure;

    public DataFraming(Spool spool, long maxSize, boolean smtputf8) {
        this.spool = spool;
        this.maxSize = maxSize;
        this.smtputf8 = smtputf8;
        this.partial = null;
    }

    private DataFraming(Spool spool, long maxSize, boolean smtputf8, int maxLineLength) {
        this.spool = spool;
        this.maxSize = maxSize;
        this.smtputf8 = smtputf8;
        this.partial = new byte[maxLineLength];
    }

    /**
     * For a message in BDAT chunks (RFC 3030): no dot-stuffing and no end line, but the same
     * line checks as DATA, with lines of at most {@code maxLineLength} octets including CRLF.
     * Feed it with {@link #chunk} and end it with {@link #lastChunk}.
     */
    public static DataFraming chunked(Spool spool, long maxSize, boolean smtputf8, int maxLineLength) {
        if (maxLineLength < 3) {
            throw new IllegalArgumentException("maxLineLength must be at least 3");
        }
        return new DataFraming(spool, maxSize, smtputf8, maxLineLength);
    }

    /** Takes raw octets of a BDAT chunk (only on a {@link #chunked} framing). */
    public void chunk(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte c = b[i];
            if (c == '\n') {
                boolean crlf = partialLength > 0 && partial[partialLength - 1] == '\r';
                int end = crlf ? partialLength - 1 : partialLength;
                content(new Line(java.util.Arrays.copyOf(partial, end), crlf, partialOverflow, false), false);
                partialLength = 0;
                partialOverflow = false;
            } else if (partialOverflow) {
                partial[partialLength - 1] = c; // remember a CR, as LineFilter does
            } else if (partialLength >= partial.length - 1) {
                partialOverflow = true;
                partial[partialLength - 1] = c;
            } else {
                partial[partialLength++] = c;
            }
        }
    }

    /**
     * The last chunk has been fed: a final line without its line end is stored with CRLF (as
     * Postfix does), so every stored message ends in a line end.
     */
    public void lastChunk() {
        if (partialLength > 0 || partialOverflow) {
            boolean cr = partialLength > 0 && partial[partialLength - 1] == '\r';
            content(new Line(java.util.Arrays.copyOf(partial, cr ? partialLength - 1 : partialLength), true,
                    partialOverflow, false), false);
            partialLength = 0;
            partialOverflow = false;
        }
    }

    /** Takes one line of DATA; true when it was the end-of-data line. */
    public boolean line(Line line) {
        byte[] b = line.bytes();
        if (line.crlf() && previousCrlf && !line.tooLong() && b.length == 1 && b[0] == '.') {
            return true;
        }
        content(line, true);
        return false;
    }

    private void content(Line line, boolean dotStuffed) {
        byte[] b = line.bytes();
        if (!line.crlf()) {
            // RFC 5321 2.3.8: refused at the end of data; "\n.\n" and "\n.\r\n" never end DATA
            bareLf = true;
            previousCrlf = false;
            return;
        }
        previousCrlf = true;
        if (line.tooLong()) {
            longLine = true;
            spool.discard();
            return;
        }
        if (SmtpSyntax.hasNulOrBareCr(b)) {
            // Like bare LF: a CR or NUL inside a line is read differently by different parsers
            // down the line, the stuff of SMTP smuggling.
            badBytes = true;
            spool.discard();
            return;
        }
        if (inHeader) {
            if (b.length == 0) {
                inHeader = false;
            } else if (smtputf8 && !SmtpSyntax.isUtf8(b, 0, b.length)) {
                // RFC 6532: under SMTPUTF8 header fields are UTF-8. Bodies keep their MIME
                // charsets (8BITMIME Latin-1 is legitimate), so only the header is checked.
                badUtf8 = true;
                spool.discard();
                return;
            }
        }
        if (refusal() != null) {
            return; // refused already: read to the end without storing
        }
        int off = dotStuffed && b.length > 0 && b[0] == '.' ? 1 : 0;
        if (spool.size() + (b.length - off) + 2L > maxSize) {
            oversize = true;
            spool.discard();
            return;
        }
        try {
            spool.write(b, off, b.length - off);
            spool.write(CRLF, 0, 2);
        } catch (IOException e) {
            spoolFailure = e;
            spool.discard();
        }
    }

    /** Why the message must be refused, or null when it may be delivered. */
    public Refusal refusal() {
        if (spoolFailure != null) {
            return Refusal.SPOOL_FAILED;
        }
        if (bareLf) {
            return Refusal.BARE_LF;
        }
        if (badBytes) {
            return Refusal.BARE_CR_OR_NUL;
        }
        if (badUtf8) {
            return Refusal.HEADER_NOT_UTF8;
        }
        if (oversize) {
            return Refusal.TOO_BIG;
        }
        return longLine ? Refusal.LINE_TOO_LONG : null;
    }

    public IOException spoolFailure() {
        return spoolFailure;
    }
}
