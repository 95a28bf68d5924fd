package org.postern.imap.internal.server;

/**
 * Substring search in time linear in the text (Knuth-Morris-Pratt): SEARCH compares a client's
 * needle with message text, and a naive search would cost text length times needle length.
 */
final class Kmp {
    private final byte[] needle;
    private final int[] fail;
    private int state;

    /** @param needle already lowered where the search ignores case */
    Kmp(byte[] needle) {
        this.needle = needle;
        this.fail = new int[needle.length];
        for (int i = 1, k = 0; i < needle.length; i++) {
            while (k > 0 && needle[i] != needle[k]) {
                k = fail[k - 1];
            }
            if (needle[i] == needle[k]) {
                k++;
            }
            fail[i] = k;
        }
    }

    /** Feeds text; true once the needle has been seen (state carries across calls). */
    boolean feed(byte[] text, int off, int len) {
        if (needle.length == 0) {
            return true;
        }
        for (int i = off; i < off + len; i++) {
            byte c = text[i];
            while (state > 0 && c != needle[state]) {
                state = fail[state - 1];
            }
            if (c == needle[state]) {
                state++;
                if (state == needle.length) {
                    return true;
                }
            }
        }
        return false;
    }

    static boolean contains(String text, String needle) {
        byte[] t = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return new Kmp(needle.getBytes(java.nio.charset.StandardCharsets.UTF_8)).feed(t, 0, t.length);
    }
}
