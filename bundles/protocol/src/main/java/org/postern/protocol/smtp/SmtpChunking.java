package org.postern.protocol.smtp;

import java.util.Locale;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;
import org.postern.protocol.Line;
import org.postern.protocol.LineFilter;

/**
 * Where an SMTP byte stream holds raw octets (RFC 3030 CHUNKING): the {@code n} octets after a
 * {@code BDAT n [LAST]} command. The split has to be made where the bytes are read, before any
 * command runs, so this follows the stream itself: between the {@code 354} of a DATA command
 * ({@link #dataStarted}, called by the session before it sends the reply; a client sends no
 * content before it) and the line that ends DATA, lines are message content and a
 * {@code BDAT} among them is text. The end of DATA is recognized exactly as
 * {@link DataFraming} does, so the two can never disagree about where content ends.
 */
public final class SmtpChunking implements LineFilter.RawOctets {
    private static final AttributeKey IN_DATA = new AttributeKey(SmtpChunking.class, "inData");

    /** The largest chunk size accepted in a BDAT command (fits the 20 digits parsed). */
    public static final long MAX_CHUNK = Long.MAX_VALUE;

    /** A parsed {@code BDAT} argument: the chunk's size and whether it is the last. */
    public record Bdat(long size, boolean last) {
    }

    /** The DATA command was accepted: until its end, lines are content. */
    public static void dataStarted(IoSession session) {
        session.setAttribute(IN_DATA, new boolean[] {true});
    }

    @Override
    public long after(IoSession session, Line line) {
        boolean[] previousCrlf = (boolean[]) session.getAttribute(IN_DATA);
        if (previousCrlf != null) {
            byte[] b = line.bytes();
            if (line.crlf() && previousCrlf[0] && !line.tooLong() && b.length == 1 && b[0] == '.') {
                session.removeAttribute(IN_DATA);
            } else {
                previousCrlf[0] = line.crlf();
            }
            return 0;
        }
        if (line.tooLong() || !line.crlf() || line.length() < 5) {
            return 0;
        }
        byte[] b = line.bytes();
        if ((b[0] | 0x20) != 'b' || (b[1] | 0x20) != 'd' || (b[2] | 0x20) != 'a' || (b[3] | 0x20) != 't' || b[4] != ' ') {
            return 0;
        }
        Bdat bdat = parse(new String(b, 5, b.length - 5, java.nio.charset.StandardCharsets.ISO_8859_1));
        return bdat == null ? 0 : bdat.size();
    }

    /**
     * The argument of a BDAT command ({@code chunk-size [SP "LAST"]}, RFC 3030 §2), or null when
     * it is malformed: then nobody can know where the chunk ends, and the session must close.
     * The filter and the session parse with this one method.
     */
    public static Bdat parse(String arg) {
        String a = arg.strip();
        int sp = a.indexOf(' ');
        String size = sp < 0 ? a : a.substring(0, sp);
        String rest = sp < 0 ? "" : a.substring(sp + 1).strip();
        if (size.isEmpty() || size.length() > 18) {
            return null;
        }
        for (int i = 0; i < size.length(); i++) {
            if (size.charAt(i) < '0' || size.charAt(i) > '9') {
                return null;
            }
        }
        boolean last = rest.toUpperCase(Locale.ROOT).equals("LAST");
        if (!rest.isEmpty() && !last) {
            return null;
        }
        return new Bdat(Long.parseLong(size), last);
    }
}
