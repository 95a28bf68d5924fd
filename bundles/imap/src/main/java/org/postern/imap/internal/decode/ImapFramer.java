package org.postern.imap.internal.decode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.postern.imap.internal.decode.LiteralSpool.LiteralSink;
import org.postern.imap.internal.decode.Rejection.Status;

/**
 * Cuts an IMAP client's byte stream into complete requests: a command line plus the literals
 * ({@code {n}} synchronizing, {@code {n+}} non-synchronizing, RFC 7888) announced at the ends of its
 * lines, byte-exact. A pure state machine with no I/O of its own and no MINA: feed it bytes with
 * {@link #feed(ByteBuffer)} and it calls its {@link Receiver}, synchronously, on the calling thread.
 *
 * <p>Memory is bounded by {@link Limits}: command text by {@code maxLineLength}, heap literals by
 * {@code maxLiteral} / {@code maxLiteralTotal}; an APPEND literal above {@code maxLiteral} goes to the
 * {@link LiteralSpool}. An announced size is checked before anything is allocated, so
 * {@code {4294967295}} or a 30-digit size costs nothing.
 *
 * <p>What a refused command costs the client:
 * <ul>
 * <li>command text too long: {@code tag BAD} (untagged when no tag could be read) once the line
 *     (and any non-synchronizing literal it announces) has been read and discarded;</li>
 * <li>synchronizing literal too large: {@code tag NO [TOOBIG]} for APPEND (RFC 9051 7.1), {@code tag
 *     BAD [TOOBIG]} for any other command, instead of the continuation; the client does not send
 *     the literal nor the rest of the command;</li>
 * <li>non-synchronizing literal too large: {@code * BYE [TOOBIG]} through {@link Receiver#fatal};
 *     the framer reads nothing more and the session must close the connection (RFC 7888 4: the
 *     octets are on their way and cannot be told apart from commands);</li>
 * <li>too many literals, or the spool failing: the command is read to its end without storing
 *     anything, then {@code tag BAD} / {@code tag NO [UNAVAILABLE]}.</li>
 * </ul>
 *
 * <p>Line ends: CR LF, and a bare LF is accepted as well (some clients send it; a literal carries its
 * own length, so there is no smuggling risk as in SMTP). A lone CR inside a line stays in the line
 * and the parser refuses it. Empty lines between commands are ignored.
 *
 * <p>Not thread-safe: one framer per session, fed by one thread at a time; only
 * {@link #expectLine()} may be called from another thread.
 */
public final class ImapFramer implements AutoCloseable {

    /** What the framer tells its session. Called on the thread that calls {@link #feed}. */
    public interface Receiver {
        /** Send {@code + Ready for literal data}: a synchronizing literal was accepted. */
        void continuation();

        /** A complete request; the receiver owns it and must {@link FramedRequest#close()} it. */
        void request(FramedRequest request);

        /** Answer this line ({@link Rejection#line()}); the command is dropped, the session goes on. */
        void rejected(Rejection rejection);

        /** Send this {@code BYE} and close the connection; the framer reads nothing more. */
        void fatal(Rejection bye);

        /**
         * Whether a literal too large for the heap may be spooled now (an APPEND message). A
         * session that is not logged in answers false: nobody may fill the server's disk
         * before logging in.
         */
        default boolean mayAppend() {
            return true;
        }
    }

    private enum Mode { LINE, LITERAL, DISCARD_LINE, SKIP_LITERAL, CLOSED }

    /** Enough for "{" + 20 digits + "+}" + CR. */
    private static final int TAIL = 32;
    private static final byte[] NO_BYTES = new byte[0];

    private final Limits limits;
    private final LiteralSpool spool;
    private final Receiver receiver;

    private Mode mode = Mode.LINE;
    private volatile boolean expectLine;
    private boolean started;
    private boolean rawLine;

    private byte[] line = new byte[256];
    private int lineLen;
    private int textLen;
    private final List<byte[]> lines = new ArrayList<>();
    private final List<Literal> literals = new ArrayList<>();
    private long heapTotal;
    private long spoolTotal;
    private String tag;
    private boolean tagRead;

    private long remaining;
    private byte[] heapLiteral;
    private int heapPos;
    private LiteralSink sink;

    private Rejection failure;
    private final byte[] tail = new byte[TAIL];
    private int tailLen;
    private boolean tailShifted;
    private byte[] copyBuffer;

    public ImapFramer(Limits limits, LiteralSpool spool, Receiver receiver) {
        this.limits = limits;
        this.spool = spool;
        this.receiver = receiver;
    }

    /**
     * The next line the client sends is not a command but a plain line: the {@code DONE} that ends
     * IDLE, or a SASL response during AUTHENTICATE. It is delivered as a one-line request, literal
     * announcements are not looked for, and an empty line is delivered too. Call it before sending
     * the continuation that invites the line ({@code + idling}, a SASL challenge); it applies to one
     * line only, so pipelined commands after it are framed as usual.
     */
    public void expectLine() {
        expectLine = true;
    }

    /** Consumes all of {@code in} (unless the framer was closed or gave up with {@link Receiver#fatal}). */
    public void feed(ByteBuffer in) {
        while (in.hasRemaining()) {
            switch (mode) {
                case LINE -> lineBytes(in);
                case LITERAL -> literalBytes(in);
                case DISCARD_LINE -> discardBytes(in);
                case SKIP_LITERAL -> skipBytes(in);
                case CLOSED -> in.position(in.limit());
            }
        }
    }

    public void feed(byte[] b, int off, int len) {
        feed(ByteBuffer.wrap(b, off, len));
    }

    public void feed(byte[] b) {
        feed(ByteBuffer.wrap(b));
    }

    /**
     * Frees what the framer holds (a literal being spooled, the literals of an unfinished command)
     * and reads nothing more. Call it when the session closes. Requests already delivered are the
     * receiver's.
     */
    @Override
    public void close() {
        mode = Mode.CLOSED;
        dropCommand();
    }

    // ---- command text ----

    private void lineBytes(ByteBuffer in) {
        while (in.hasRemaining()) {
            byte b = in.get();
            if (!started) {
                started = true;
                rawLine = expectLine;
                expectLine = false;
            }
            if (b == '\n') {
                endOfLine();
                return;
            }
            // one octet over the limit is allowed for the CR of CR LF
            if (textLen + lineLen > limits.maxLineLength()) {
                overflow(b);
                return;
            }
            if (lineLen == line.length) {
                line = Arrays.copyOf(line, Math.min(line.length * 2, limits.maxLineLength() + 1));
            }
            line[lineLen++] = b;
        }
    }

    private void endOfLine() {
        int len = lineLen > 0 && line[lineLen - 1] == '\r' ? lineLen - 1 : lineLen;
        if (textLen + len > limits.maxLineLength()) {
            overflow((byte) '\n');
            discardEndOfLine();
            return;
        }
        if (rawLine) {
            lines.add(Arrays.copyOf(line, len));
            emitRequest();
            return;
        }
        if (lines.isEmpty() && len == 0) {
            lineLen = 0;
            started = false;
            return;
        }
        Announcement a = announcement(line, len, false);
        lines.add(Arrays.copyOf(line, len));
        textLen += len;
        lineLen = 0;
        if (a == null) {
            emitRequest();
        } else {
            startLiteral(a);
        }
    }

    private void overflow(byte b) {
        String t = rawLine ? null : tag();
        failure = Rejection.bad(t, "Command line too long");
        int keep = Math.min(lineLen, TAIL - 1);
        System.arraycopy(line, lineLen - keep, tail, 0, keep);
        tailLen = keep;
        tailShifted = lineLen > keep || !lines.isEmpty();
        if (b != '\n') {
            pushTail(b);
        }
        dropCollected();
        lineLen = 0;
        shrinkLine();
        mode = Mode.DISCARD_LINE;
    }

    // ---- literals ----

    private void startLiteral(Announcement a) {
        String t = tag();
        if (literals.size() >= limits.maxLiterals()) {
            refuse(Rejection.bad(t, "Too many literals in one command"), a, false);
            return;
        }
        long n = a.size;
        boolean heap = n <= limits.maxLiteral() && heapTotal + n <= limits.maxLiteralTotal();
        if (!heap) {
            if (!isAppend()) {
                refuse(new Rejection(t, Status.BAD, "TOOBIG", "Literal too large"), a, true);
                return;
            }
            if (!receiver.mayAppend()) {
                refuse(new Rejection(t, Status.NO, "TOOBIG", "Log in first"), a, true);
                return;
            }
            if (n > limits.maxAppendLiteral() || spoolTotal + n > limits.maxAppendLiteral()) {
                refuse(new Rejection(t, Status.NO, "TOOBIG", "Message too large"), a, true);
                return;
            }
            try {
                sink = spool.create(n);
            } catch (IOException | RuntimeException e) {
                refuse(cannotStore(t), a, false);
                return;
            }
            spoolTotal += n;
        } else {
            heapTotal += n;
            heapLiteral = n == 0 ? NO_BYTES : new byte[(int) n];
            heapPos = 0;
        }
        remaining = n;
        mode = Mode.LITERAL;
        if (n == 0) {
            finishLiteral();
        }
        if (a.sync) {
            receiver.continuation();
        }
    }

    private static Rejection cannotStore(String t) {
        return new Rejection(t, Status.NO, "UNAVAILABLE", "Cannot store the literal now, try again later");
    }

    /**
     * A literal that is not accepted. Synchronizing: the client waits for our answer, so the
     * command ends here. Non-synchronizing and too large: the session ends. Otherwise its octets
     * are skipped and the command read to its end.
     */
    private void refuse(Rejection r, Announcement a, boolean tooBig) {
        if (a.sync) {
            failure = r;
            emitFailure();
        } else if (tooBig || a.size > limits.maxAppendLiteral()) {
            fatal();
        } else {
            failure = r;
            dropCollected();
            remaining = a.size;
            mode = a.size == 0 ? Mode.DISCARD_LINE : Mode.SKIP_LITERAL;
        }
    }

    private void literalBytes(ByteBuffer in) {
        int k = (int) Math.min(remaining, in.remaining());
        if (sink == null) {
            in.get(heapLiteral, heapPos, k);
            heapPos += k;
        } else {
            try {
                if (in.hasArray()) {
                    sink.write(in.array(), in.arrayOffset() + in.position(), k);
                    in.position(in.position() + k);
                } else {
                    if (copyBuffer == null) {
                        copyBuffer = new byte[8192];
                    }
                    int left = k;
                    while (left > 0) {
                        int c = Math.min(left, copyBuffer.length);
                        in.get(copyBuffer, 0, c);
                        sink.write(copyBuffer, 0, c);
                        left -= c;
                    }
                }
            } catch (IOException | RuntimeException e) {
                in.position(Math.min(in.limit(), in.position() + k)); // octets of this chunk are gone
                spoolFailed(k);
                return;
            }
        }
        remaining -= k;
        if (remaining == 0) {
            finishLiteral();
        }
    }

    private void spoolFailed(int consumed) {
        sink.discard();
        sink = null;
        failure = cannotStore(tag());
        dropCollected();
        remaining -= consumed;
        mode = remaining == 0 ? Mode.DISCARD_LINE : Mode.SKIP_LITERAL;
    }

    private void finishLiteral() {
        if (sink != null) {
            LiteralSink s = sink;
            sink = null;
            try {
                literals.add(s.finish());
            } catch (IOException | RuntimeException e) {
                s.discard();
                failure = cannotStore(tag());
                dropCollected();
                mode = Mode.DISCARD_LINE;
                return;
            }
        } else {
            literals.add(new MemoryLiteral(heapLiteral));
            heapLiteral = null;
        }
        lineLen = 0;
        mode = Mode.LINE;
    }

    // ---- discarding a refused command ----

    private void discardBytes(ByteBuffer in) {
        while (in.hasRemaining()) {
            byte b = in.get();
            if (b == '\n') {
                discardEndOfLine();
                return;
            }
            pushTail(b);
        }
    }

    private void pushTail(byte b) {
        if (tailLen == TAIL) {
            System.arraycopy(tail, TAIL / 2, tail, 0, TAIL / 2);
            tailLen = TAIL / 2;
            tailShifted = true;
        }
        tail[tailLen++] = b;
    }

    private void discardEndOfLine() {
        int len = tailLen > 0 && tail[tailLen - 1] == '\r' ? tailLen - 1 : tailLen;
        Announcement a = rawLine ? null : announcement(tail, len, tailShifted);
        tailLen = 0;
        tailShifted = false;
        if (a == null || a.sync) {
            // a synchronizing literal waits for our answer: the refusal is that answer
            emitFailure();
        } else if (a.size > limits.maxAppendLiteral()) {
            fatal();
        } else {
            remaining = a.size;
            mode = a.size == 0 ? Mode.DISCARD_LINE : Mode.SKIP_LITERAL;
        }
    }

    private void skipBytes(ByteBuffer in) {
        int k = (int) Math.min(remaining, in.remaining());
        in.position(in.position() + k);
        remaining -= k;
        if (remaining == 0) {
            mode = Mode.DISCARD_LINE;
        }
    }

    // ---- ends of commands ----

    private void emitRequest() {
        FramedRequest r = new FramedRequest(lines, literals);
        literals.clear(); // the request owns them now
        reset();
        receiver.request(r);
    }

    private void emitFailure() {
        Rejection r = failure;
        dropCollected();
        reset();
        receiver.rejected(r);
    }

    private void fatal() {
        dropCommand();
        mode = Mode.CLOSED;
        receiver.fatal(new Rejection(null, Status.BYE, "TOOBIG", "Literal too large"));
    }

    private void reset() {
        lines.clear();
        literals.clear();
        heapTotal = 0;
        spoolTotal = 0;
        textLen = 0;
        lineLen = 0;
        shrinkLine();
        tag = null;
        tagRead = false;
        failure = null;
        tailLen = 0;
        tailShifted = false;
        started = false;
        rawLine = false;
        heapLiteral = null;
        remaining = 0;
        mode = Mode.LINE;
    }

    private void shrinkLine() {
        if (line.length > 1024) {
            line = new byte[256];
        }
    }

    /** Closes the literals collected so far (a refused command's spool files go at once). */
    private void dropCollected() {
        for (Literal l : literals) {
            l.close();
        }
        literals.clear();
        lines.clear();
    }

    private void dropCommand() {
        if (sink != null) {
            sink.discard();
            sink = null;
        }
        heapLiteral = null;
        dropCollected();
    }

    // ---- reading the start of the command ----

    /** The tag, read from the first line (or what was kept of it); null when it is not a valid tag. */
    private String tag() {
        if (!tagRead) {
            tagRead = true;
            byte[] first = lines.isEmpty() ? line : lines.get(0);
            int len = lines.isEmpty() ? lineLen : first.length;
            int i = 0;
            while (i < len && i <= 64 && ImapChars.isTagChar(first[i])) {
                i++;
            }
            tag = i > 0 && i <= 64 && (i == len || first[i] == ' ' || first[i] == '\r')
                    ? new String(first, 0, i, java.nio.charset.StandardCharsets.US_ASCII) : null;
        }
        return tag;
    }

    /** Whether the command (second word of the first line) is APPEND. */
    private boolean isAppend() {
        byte[] first = lines.get(0);
        int i = 0;
        while (i < first.length && first[i] != ' ') {
            i++;
        }
        return first.length >= i + 8 && first[i] == ' ' && first[i + 7] == ' '
                && "APPEND".equalsIgnoreCase(new String(first, i + 1, 6, java.nio.charset.StandardCharsets.US_ASCII));
    }

    private record Announcement(long size, boolean sync) {
    }

    /**
     * The literal announced at the end of {@code b[0, len)}: {@code {digits}} or {@code {digits+}}.
     * Sizes beyond 19 digits read as {@link Long#MAX_VALUE}; nothing is allocated by size here. With
     * {@code truncated}, digits that run to the start of {@code b} (whose beginning was discarded)
     * announce a size too large to have been kept.
     */
    private static Announcement announcement(byte[] b, int len, boolean truncated) {
        if (len < 3 || b[len - 1] != '}') {
            return null;
        }
        int i = len - 2;
        boolean sync = true;
        if (b[i] == '+') {
            sync = false;
            i--;
        }
        int end = i;
        while (i >= 0 && b[i] >= '0' && b[i] <= '9') {
            i--;
        }
        if (i == end) {
            return null;
        }
        if (i < 0) {
            return truncated ? new Announcement(Long.MAX_VALUE, sync) : null;
        }
        if (b[i] != '{') {
            return null;
        }
        long n = 0;
        for (int k = i + 1; k <= end; k++) {
            if (n > (Long.MAX_VALUE - 9) / 10) {
                return new Announcement(Long.MAX_VALUE, sync);
            }
            n = n * 10 + (b[k] - '0');
        }
        return new Announcement(n, sync);
    }
}
