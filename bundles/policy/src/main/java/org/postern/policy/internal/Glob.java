package org.postern.policy.internal;

/**
 * Matches a {@code server:} pattern, in which {@code *} stands for any run of characters (dots
 * included), against a host name. Both are already in normal form (lower case, punycode), so the
 * comparison is exact.
 *
 * <p>The greedy two-pointer algorithm: on a mismatch it goes back only to the most recent
 * {@code *} and lets that star swallow one more character. That is at most
 * {@code pattern.length() * name.length()} steps (253 × 253 here) whatever the pattern, where a
 * backtracking regular expression built from {@code *a*a*a*…*b} takes time exponential in the
 * number of stars. Never build a {@link java.util.regex.Pattern} from an owner's entry.
 */
final class Glob {
    private Glob() {
    }

    static boolean matches(String pattern, String name) {
        int p = 0;
        int n = 0;
        int star = -1; // index in pattern of the last '*' seen
        int resume = 0; // index in name where that star's match currently ends
        while (n < name.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                resume = n;
            } else if (p < pattern.length() && pattern.charAt(p) == name.charAt(n)) {
                p++;
                n++;
            } else if (star >= 0) {
                p = star + 1;
                n = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
