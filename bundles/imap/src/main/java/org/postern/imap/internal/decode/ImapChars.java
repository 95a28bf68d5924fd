package org.postern.imap.internal.decode;

/** Character classes of RFC 3501 section 9 (formal syntax), on octets. */
public final class ImapChars {
    private ImapChars() {
    }

    /** ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ] . */
    public static boolean isAtomChar(int b) {
        if (b <= 0x20 || b >= 0x7f) {
            return false;
        }
        return switch (b) {
            case '(', ')', '{', '%', '*', '"', '\\', ']' -> false;
            default -> true;
        };
    }

    /** ASTRING-CHAR: ATOM-CHAR or "]". */
    public static boolean isAstringChar(int b) {
        return b == ']' || isAtomChar(b);
    }

    /** tag: ASTRING-CHAR except "+". */
    public static boolean isTagChar(int b) {
        return b != '+' && isAstringChar(b);
    }

    /** list-char: ATOM-CHAR, the wildcards % and *, and "]". */
    public static boolean isListChar(int b) {
        return b == '%' || b == '*' || isAstringChar(b);
    }

    public static boolean isDigit(int b) {
        return b >= '0' && b <= '9';
    }
}
