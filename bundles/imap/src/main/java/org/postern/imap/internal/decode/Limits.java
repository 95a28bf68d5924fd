package org.postern.imap.internal.decode;

/**
 * What one client may make the framer hold. See the module README, "Design notes", for why
 * these defaults.
 *
 * @param maxLineLength    octets of command text of one command, all its lines together, CR LF
 *                         and literal data excluded (literal announcements included)
 * @param maxLiteral       the largest literal kept on the heap, and the largest literal of any
 *                         command but APPEND
 * @param maxLiteralTotal  all heap literals of one command together
 * @param maxAppendLiteral the largest APPEND literal (the message), and all spooled literals of one
 *                         APPEND together; above {@code maxLiteral} it goes to the {@link LiteralSpool}
 * @param maxLiterals      literals in one command
 */
public record Limits(int maxLineLength, int maxLiteral, int maxLiteralTotal, long maxAppendLiteral, int maxLiterals) {
    public static final int DEFAULT_MAX_LINE_LENGTH = 8 * 1024;
    public static final int DEFAULT_MAX_LITERAL = 64 * 1024;
    public static final int DEFAULT_MAX_LITERAL_TOTAL = 128 * 1024;
    public static final long DEFAULT_MAX_APPEND_LITERAL = 64L * 1024 * 1024;
    public static final int DEFAULT_MAX_LITERALS = 32;

    public Limits {
        if (maxLineLength < 64) {
            throw new IllegalArgumentException("maxLineLength must be at least 64");
        }
        if (maxLiteral < 0 || maxLiteralTotal < maxLiteral) {
            throw new IllegalArgumentException("need 0 <= maxLiteral <= maxLiteralTotal");
        }
        if (maxAppendLiteral < maxLiteral) {
            throw new IllegalArgumentException("maxAppendLiteral must be at least maxLiteral");
        }
        if (maxLiterals < 1) {
            throw new IllegalArgumentException("maxLiterals must be at least 1");
        }
    }

    public static Limits defaults() {
        return new Limits(DEFAULT_MAX_LINE_LENGTH, DEFAULT_MAX_LITERAL, DEFAULT_MAX_LITERAL_TOTAL,
                DEFAULT_MAX_APPEND_LITERAL, DEFAULT_MAX_LITERALS);
    }

    /** The same limits with another APPEND limit (the server's APPENDLIMIT). */
    public Limits withMaxAppendLiteral(long max) {
        return new Limits(maxLineLength, maxLiteral, maxLiteralTotal, max, maxLiterals);
    }
}
