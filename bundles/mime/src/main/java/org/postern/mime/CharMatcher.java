package org.postern.mime;

/**
 * Streaming substring search over characters, case ignored per character, linear in the text
 * (Knuth-Morris-Pratt: no backtracking however the needle repeats itself).
 */
final class CharMatcher {
    private final char[] needle;
    private final int[] fail;
    private int state;

    CharMatcher(String needle) {
        this.needle = new char[needle.length()];
        for (int i = 0; i < this.needle.length; i++) {
            this.needle[i] = fold(needle.charAt(i));
        }
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
        char c = fold(raw);
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
    private static char fold(char c) {
        if (c < 0x80) {
            return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
        }
        return Character.toLowerCase(Character.toUpperCase(c));
    }
}
