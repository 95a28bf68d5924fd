package org.postern.mime;

/**
 * Streaming substring search over characters, case ignored per code point, linear in the text
 * (Knuth-Morris-Pratt: no backtracking however the needle repeats itself).
 */
final class CharMatcher {
    private final char[] needle;
    private final int[] fail;
    private int state;
    /**
     * A high surrogate waiting for the char after it (0 when none): the case pairs of Deseret,
     * Osage, Adlam and others lie outside the BMP and fold only as whole code points, and a pair
     * may be split between two {@link #feed} calls.
     */
    private char high;

    CharMatcher(String needle) {
        StringBuilder folded = new StringBuilder(needle.length());
        needle.codePoints().forEach(cp -> folded.appendCodePoint(fold(cp)));
        this.needle = folded.toString().toCharArray();
        this.fail = new int[this.needle.length];
        for (int i = 1, k = 0; i < this.needle.length; i++) {
            while (k > 0 && this.needle[i] != this.needle[k]) {
                k = fail[k - 1];
            }
            if (this.needle[i] == this.needle[k]) {
                k++;
            }
            fail[i] = k;
        }
    }

    boolean empty() {
        return needle.length == 0;
    }

    void reset() {
        state = 0;
        high = 0;
    }

    boolean feed(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            if (step(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** Feeds text; true once the needle has been seen (state carries across calls until {@link #reset}). */
    boolean feed(char[] text, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (step(text[i])) {
                return true;
            }
        }
        return false;
    }

    private boolean step(char raw) {
        if (needle.length == 0) {
            return true;
        }
        if (high != 0) {
            char h = high;
            high = 0;
            if (Character.isLowSurrogate(raw)) {
                int cp = fold(Character.toCodePoint(h, raw));
                if (Character.isBmpCodePoint(cp)) {
                    return match((char) cp);
                }
                return match(Character.highSurrogate(cp)) || match(Character.lowSurrogate(cp));
            }
            if (match(h)) { // a lone high surrogate: itself
                return true;
            }
        }
        if (Character.isHighSurrogate(raw)) {
            high = raw;
            return false;
        }
        return match((char) fold(raw));
    }

    private boolean match(char c) {
        while (state > 0 && c != needle[state]) {
            state = fail[state - 1];
        }
        if (c == needle[state]) {
            state++;
            if (state == needle.length) {
                return true;
            }
        }
        return false;
    }

    /** Upper then lower: folds the pairs a single toLowerCase misses (the Greek final sigma among them). */
    private static int fold(int c) {
        if (c < 0x80) {
            return c >= 'A' && c <= 'Z' ? c + 32 : c;
        }
        return Character.toLowerCase(Character.toUpperCase(c));
    }
}
