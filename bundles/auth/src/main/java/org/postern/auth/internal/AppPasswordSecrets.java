package org.postern.auth.internal;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The shape of an app password: 25 characters from {@code a-z0-9} (36 symbols, 129 bits) in five
 * groups of five joined by {@code -}. Lowercase letters and digits survive every keyboard and
 * every client's password field; at login, separators, spaces and case are ignored, so a user who
 * types it from another screen cannot get it wrong by formatting it differently.
 */
final class AppPasswordSecrets {
    static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    static final int LENGTH = 25;
    static final int GROUP = 5;

    private static final SecureRandom RANDOM = new SecureRandom();

    private AppPasswordSecrets() {
    }

    /** A new secret, grouped for display. */
    static char[] generate() {
        char[] out = new char[LENGTH + LENGTH / GROUP - 1];
        int o = 0;
        for (int i = 0; i < LENGTH; i++) {
            if (i > 0 && i % GROUP == 0) {
                out[o++] = '-';
            }
            // nextInt(bound) is uniform (it rejects the biased tail), so every symbol is equally likely.
            out[o++] = ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length()));
        }
        return out;
    }

    /**
     * The canonical form of what a client sent (separators and spaces dropped, letters lowered),
     * or {@code null} when it cannot be an app password (then it may be an account password). A
     * new array: the caller clears it. The argument is left as it is.
     */
    static char[] normalize(char[] typed) {
        if (typed == null || typed.length > 4 * LENGTH) {
            return null;
        }
        char[] out = new char[LENGTH];
        int n = 0;
        for (char c : typed) {
            if (c == '-' || c == ' ') {
                continue;
            }
            char lower = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
            if (!(lower >= 'a' && lower <= 'z' || lower >= '0' && lower <= '9') || n == LENGTH) {
                Arrays.fill(out, '\0');
                return null;
            }
            out[n++] = lower;
        }
        if (n != LENGTH) {
            Arrays.fill(out, '\0');
            return null;
        }
        return out;
    }
}
