package org.postern.policy.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code server:} glob: {@code *} is any run of characters, everything else is literal. */
class GlobTest {

    @Test
    void starMatchesAnyRunIncludingNothingAndDots() {
        assertTrue(Glob.matches("mx*.spammer.com", "mx.spammer.com"));
        assertTrue(Glob.matches("mx*.spammer.com", "mx12.spammer.com"));
        assertTrue(Glob.matches("mx*.spammer.com", "mx-a.b.spammer.com"));
        assertTrue(Glob.matches("*", ""));
        assertTrue(Glob.matches("a**b", "ab"));
        assertTrue(Glob.matches("*.x", "a.b.x"));
    }

    @Test
    void everythingElseIsLiteralAndWhole() {
        assertFalse(Glob.matches("*.spammer.com", "spammer.com"), "not the apex");
        assertFalse(Glob.matches("mx*.spammer.com", "mx.spammer.com.evil"), "anchored at the end");
        assertFalse(Glob.matches("mx*.spammer.com", "amx.spammer.com"), "anchored at the start");
        assertFalse(Glob.matches("a.b", "axb"), "a dot is a dot, not a regex wildcard");
        assertFalse(Glob.matches("bulk-*.*", "bulk.mailer.net"));
        assertTrue(Glob.matches("bulk-*.*", "bulk-7.mailer.net"));
        assertFalse(Glob.matches("abc", "ab"));
        assertFalse(Glob.matches("ab", "abc"));
    }

    @Test
    void backtracksOnlyToTheLastStar() {
        assertTrue(Glob.matches("*ab*ab", "xabyabab"));
        assertTrue(Glob.matches("*aab", "aaaab"));
        assertFalse(Glob.matches("*aab", "aaaaba"));
    }

    /**
     * Issue 6 item 4: {@code *a*a*a*a*a*a*a*a*b} became {@code .*a.*a…b}, whose backtracking on a
     * long run of a's without a b never finishes. The hang guard is generous on purpose: the
     * linear matcher answers in microseconds, the regex in geological time.
     */
    @Test
    void pathologicalPatternAgainstTheLongestHostNameAnswers() {
        String name = longestName('a');
        BlockList l = BlockList.compile(List.of(
                PolicyEntries.blockEntry("server:a*a*a*a*a*a*a*a*b"),
                PolicyEntries.blockEntry("server:*a*a*a*a*a*a*ab.*a")));
        assertFalse(assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> l.blocks(null, List.of(name, name))));
        assertTrue(assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> l.blocks(null, List.of(name.substring(0, 252) + "b"))));
    }

    /** 253 characters: three 63-character labels and one of 61, all {@code c}. */
    static String longestName(char c) {
        String label63 = String.valueOf(c).repeat(63);
        return label63 + "." + label63 + "." + label63 + "." + String.valueOf(c).repeat(61);
    }
}
