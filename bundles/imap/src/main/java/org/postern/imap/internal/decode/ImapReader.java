package org.postern.imap.internal.decode;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A cursor over a {@link FramedRequest} that reads the tokens of RFC 3501's grammar. A literal is
 * read where its announcement stands, and reading goes on in the next line. Every failure is an
 * {@link ImapDecodeException} carrying the tag. Nothing here recurses.
 */
public final class ImapReader {
    private final FramedRequest request;
    private final int last;
    private int seg;
    private byte[] cur;
    private int pos;
    private String tag;

    public ImapReader(FramedRequest request) {
        this.request = request;
        this.last = request.lineCount() - 1;
        this.cur = request.rawLine(0);
    }

    void tag(String t) {
        this.tag = t;
    }

    public String tag() {
        return tag;
    }

    public ImapDecodeException error(String message) {
        return new ImapDecodeException(tag, message);
    }

    /** The next octet (0..255), or -1 at the end of a line. */
    public int peek() {
        return pos < cur.length ? cur[pos] & 0xff : -1;
    }

    /** The octet {@code ahead} positions on in this line, or -1. */
    int peek(int ahead) {
        return pos + ahead < cur.length ? cur[pos + ahead] & 0xff : -1;
    }

    void skip() {
        pos++;
    }

    public boolean atEnd() {
        return seg == last && pos == cur.length;
    }

    /** Nothing may follow. */
    public void end() throws ImapDecodeException {
        if (!atEnd()) {
            throw error(pos < cur.length && cur[pos] == ' ' && pos == cur.length - 1
                    ? "Trailing space" : "Unexpected characters at end of command");
        }
    }

    public void sp() throws ImapDecodeException {
        if (peek() != ' ') {
            throw error(peek() == -1 && seg == last ? "Missing arguments" : "Expected a space");
        }
        pos++;
    }

    /** Consumes a space if there is one. */
    public boolean trySp() {
        if (peek() == ' ') {
            pos++;
            return true;
        }
        return false;
    }

    public void expect(char c) throws ImapDecodeException {
        if (peek() != c) {
            throw error("Expected " + c);
        }
        pos++;
    }

    public boolean tryChar(char c) {
        if (peek() == c) {
            pos++;
            return true;
        }
        return false;
    }

    /** 1*ATOM-CHAR as written. */
    public String atom() throws ImapDecodeException {
        int start = pos;
        while (pos < cur.length && ImapChars.isAtomChar(cur[pos] & 0xff)) {
            pos++;
        }
        if (pos == start) {
            throw error("Expected an atom");
        }
        return ascii(start, pos);
    }

    /** An atom upper-cased (keywords of the grammar). */
    public String word() throws ImapDecodeException {
        return atom().toUpperCase(Locale.ROOT);
    }

    /**
     * Consumes {@code upper} (an upper-case keyword) if it comes next in any case and is followed
     * by a space, ")" or the end of the line.
     */
    boolean tryWord(String upper) {
        int n = upper.length();
        for (int i = 0; i < n; i++) {
            int b = peek(i);
            if (b < 0 || Character.toUpperCase((char) b) != upper.charAt(i)) {
                return false;
            }
        }
        int after = peek(n);
        if (after != -1 && after != ' ' && after != ')') {
            return false;
        }
        pos += n;
        return true;
    }

    /** Letters, digits and "." and "-" upper-cased: FETCH item names, which stop at "[" or "<". */
    String itemName() throws ImapDecodeException {
        int start = pos;
        while (pos < cur.length) {
            int b = cur[pos];
            if (!(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '.' || b == '-')) {
                break;
            }
            pos++;
        }
        if (pos == start) {
            throw error("Expected a data item");
        }
        return ascii(start, pos).toUpperCase(Locale.ROOT);
    }

    private String ascii(int from, int to) {
        return new String(cur, from, to - from, StandardCharsets.US_ASCII);
    }

    // ---- strings ----

    public String astring() throws ImapDecodeException {
        return utf8(astringBytes());
    }

    byte[] astringBytes() throws ImapDecodeException {
        int b = peek();
        if (b == '"' || b == '{' || b == '~') {
            return stringBytes();
        }
        int start = pos;
        while (pos < cur.length && ImapChars.isAstringChar(cur[pos] & 0xff)) {
            pos++;
        }
        if (pos == start) {
            throw error("Expected a string");
        }
        return java.util.Arrays.copyOfRange(cur, start, pos);
    }

    public String string() throws ImapDecodeException {
        return utf8(stringBytes());
    }

    /** nstring: a string or NIL (null). */
    public String nstring() throws ImapDecodeException {
        if (peekNil()) {
            pos += 3;
            return null;
        }
        return string();
    }

    boolean peekNil() {
        return (peek() | 0x20) == 'n' && (peek(1) | 0x20) == 'i' && (peek(2) | 0x20) == 'l'
                && !ImapChars.isAstringChar(peek(3));
    }

    byte[] stringBytes() throws ImapDecodeException {
        int b = peek();
        if (b == '"') {
            return quoted();
        }
        if (b == '{' || b == '~') {
            Literal l = literal();
            if (!(l instanceof MemoryLiteral m)) {
                throw error("String too long");
            }
            return m.raw();
        }
        throw error("Expected a string");
    }

    private byte[] quoted() throws ImapDecodeException {
        pos++;
        byte[] out = new byte[cur.length - pos];
        int n = 0;
        while (true) {
            if (pos >= cur.length) {
                throw error("Unterminated quoted string");
            }
            byte c = cur[pos++];
            if (c == '"') {
                return java.util.Arrays.copyOf(out, n);
            }
            if (c == '\\') {
                if (pos >= cur.length || cur[pos] != '"' && cur[pos] != '\\') {
                    throw error("Invalid escape in quoted string");
                }
                c = cur[pos++];
            } else if (c == '\r' || c == 0) {
                throw error("Invalid character in quoted string");
            }
            out[n++] = c;
        }
    }

    /** A literal announced here ({@code {n}} or {@code {n+}}); reading continues on the next line. */
    public Literal literal() throws ImapDecodeException {
        if (peek() == '~') {
            throw error("literal8 is not supported here");
        }
        expect('{');
        int start = pos;
        while (ImapChars.isDigit(peek())) {
            pos++;
        }
        if (pos == start) {
            throw error("Invalid literal");
        }
        tryChar('+');
        expect('}');
        if (pos != cur.length || seg == last) {
            throw error("Invalid literal");
        }
        Literal l = request.literals().get(seg);
        seg++;
        cur = request.rawLine(seg);
        pos = 0;
        return l;
    }

    public boolean atLiteral() {
        return peek() == '{';
    }

    private String utf8(byte[] b) throws ImapDecodeException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw error("String is not valid UTF-8");
        }
    }

    // ---- mailboxes ----

    /** A mailbox name: astring, decoded from modified UTF-7; INBOX in any case is "INBOX". */
    public String mailbox() throws ImapDecodeException {
        return mailboxName(astring());
    }

    /** list-mailbox: 1*list-char or string (wildcards kept), decoded from modified UTF-7. */
    public String listMailbox() throws ImapDecodeException {
        int b = peek();
        if (b == '"' || b == '{') {
            return mailboxName(string());
        }
        int start = pos;
        while (pos < cur.length && ImapChars.isListChar(cur[pos] & 0xff)) {
            pos++;
        }
        if (pos == start) {
            throw error("Expected a mailbox pattern");
        }
        return mailboxName(ascii(start, pos));
    }

    private String mailboxName(String raw) throws ImapDecodeException {
        if ("INBOX".equalsIgnoreCase(raw)) {
            return "INBOX";
        }
        try {
            return ModifiedUtf7.decode(raw);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    // ---- numbers ----

    /** number: 1*DIGIT up to 4294967295. */
    public long number() throws ImapDecodeException {
        return digits(SequenceSet.MAX, "Number");
    }

    /** nz-number. */
    public long nzNumber() throws ImapDecodeException {
        long n = number();
        if (n == 0) {
            throw error("Number must not be zero");
        }
        return n;
    }

    /** number64 (RFC 9051): up to 2^63-1. */
    public long number64() throws ImapDecodeException {
        return digits(Long.MAX_VALUE, "Number");
    }

    private long digits(long max, String what) throws ImapDecodeException {
        int start = pos;
        long n = 0;
        while (ImapChars.isDigit(peek())) {
            int d = cur[pos++] - '0';
            if (n > (max - d) / 10) {
                throw error(what + " too large");
            }
            n = n * 10 + d;
        }
        if (pos == start) {
            throw error("Expected a number");
        }
        return n;
    }

    // ---- sequence sets ----

    public boolean atSequenceSet() {
        int b = peek();
        return b == '*' || b >= '1' && b <= '9';
    }

    /** sequence-set with at most {@code maxRanges} ranges. */
    public SequenceSet sequenceSet(int maxRanges) throws ImapDecodeException {
        List<SequenceSet.Range> ranges = new ArrayList<>();
        do {
            if (ranges.size() == maxRanges) {
                throw error("Too many ranges in sequence set");
            }
            long first = seqNumber();
            long lastN = first;
            if (tryChar(':')) {
                lastN = seqNumber();
            }
            ranges.add(new SequenceSet.Range(first, lastN));
        } while (tryChar(','));
        return new SequenceSet(ranges);
    }

    private long seqNumber() throws ImapDecodeException {
        if (tryChar('*')) {
            return SequenceSet.STAR;
        }
        if (!ImapChars.isDigit(peek())) {
            throw error("Invalid sequence set");
        }
        long n = digits(SequenceSet.MAX, "Sequence number");
        if (n == 0) {
            throw error("Invalid sequence set: 0");
        }
        return n;
    }

    // ---- flags ----

    /** flag-list: "(" [flag *(SP flag)] ")", at most {@code max} flags, duplicates dropped. */
    public List<String> flagList(int max) throws ImapDecodeException {
        expect('(');
        List<String> flags = new ArrayList<>();
        if (tryChar(')')) {
            return flags;
        }
        do {
            addFlag(flags, flag(), max);
        } while (trySp());
        expect(')');
        return flags;
    }

    void addFlag(List<String> flags, String f, int max) throws ImapDecodeException {
        for (String g : flags) {
            if (g.equalsIgnoreCase(f)) {
                return;
            }
        }
        if (flags.size() == max) {
            throw error("Too many flags");
        }
        flags.add(f);
    }

    /** flag: a system flag (canonical spelling), "\" atom, or a keyword (atom). \Recent is refused. */
    public String flag() throws ImapDecodeException {
        if (tryChar('\\')) {
            String a = atom();
            String canonical = switch (a.toUpperCase(Locale.ROOT)) {
                case "ANSWERED" -> "\\Answered";
                case "FLAGGED" -> "\\Flagged";
                case "DELETED" -> "\\Deleted";
                case "SEEN" -> "\\Seen";
                case "DRAFT" -> "\\Draft";
                case "RECENT" -> throw error("\\Recent cannot be set");
                default -> "\\" + a;
            };
            return canonical;
        }
        return atom();
    }

    // ---- dates ----

    private static final String[] MONTHS =
            {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

    /** date: date-text or DQUOTE date-text DQUOTE; date-text = 1*2DIGIT "-" Mon "-" 4DIGIT. */
    public LocalDate date() throws ImapDecodeException {
        boolean quoted = tryChar('"');
        int day = fixedDigits(1, 2);
        expect('-');
        int month = month();
        expect('-');
        int year = fixedDigits(4, 4);
        if (quoted) {
            expect('"');
        }
        try {
            return LocalDate.of(year, month, day);
        } catch (DateTimeException e) {
            throw error("Invalid date");
        }
    }

    /** date-time: DQUOTE date-day-fixed "-" Mon "-" YYYY SP HH:MM:SS SP zone DQUOTE. */
    public OffsetDateTime dateTime() throws ImapDecodeException {
        expect('"');
        if (tryChar(' ')) {
            // date-day-fixed: SP DIGIT
        }
        int day = fixedDigits(1, 2);
        expect('-');
        int month = month();
        expect('-');
        int year = fixedDigits(4, 4);
        expect(' ');
        int hour = fixedDigits(2, 2);
        expect(':');
        int minute = fixedDigits(2, 2);
        expect(':');
        int second = fixedDigits(2, 2);
        expect(' ');
        int sign = tryChar('+') ? 1 : tryChar('-') ? -1 : 0;
        if (sign == 0) {
            throw error("Invalid time zone");
        }
        int zone = fixedDigits(4, 4);
        expect('"');
        try {
            ZoneOffset offset = ZoneOffset.ofHoursMinutes(sign * (zone / 100), sign * (zone % 100));
            return OffsetDateTime.of(LocalDateTime.of(year, month, day, hour, minute, second), offset);
        } catch (DateTimeException e) {
            throw error("Invalid date-time");
        }
    }

    private int fixedDigits(int min, int max) throws ImapDecodeException {
        int start = pos;
        int n = 0;
        while (pos - start < max && ImapChars.isDigit(peek())) {
            n = n * 10 + (cur[pos++] - '0');
        }
        if (pos - start < min || ImapChars.isDigit(peek())) {
            throw error("Invalid date");
        }
        return n;
    }

    private int month() throws ImapDecodeException {
        if (pos + 3 > cur.length) {
            throw error("Invalid date");
        }
        String m = ascii(pos, pos + 3).toUpperCase(Locale.ROOT);
        for (int i = 0; i < MONTHS.length; i++) {
            if (MONTHS[i].equals(m)) {
                pos += 3;
                return i + 1;
            }
        }
        throw error("Invalid month in date");
    }
}
