package org.postern.policy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postern.api.account.AccountException;

class PolicyEntriesTest {
    private static final Set<String> OWNED = Set.of("example.com");

    @Test
    void blockEntriesNormalise() {
        assertEquals("spam@example.com", PolicyEntries.blockEntry(" SPAM@Example.COM. "));
        assertEquals("@example.com", PolicyEntries.blockEntry("@Example.com"));
        assertEquals("server:mail.spammer.com", PolicyEntries.blockEntry("server:Mail.Spammer.com."));
        assertEquals("server:ru", PolicyEntries.blockEntry("SERVER:RU"));
        assertEquals("server:*.spammer.com", PolicyEntries.blockEntry("server:*.Spammer.com"));
        assertEquals("server:xn--bcher-kva.example", PolicyEntries.blockEntry("server:bücher.example"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"server:", "server:  ", "@", "nonsense", "server:*", "server:*.*", "server:a..b",
        "server:bad_host!.com", "not an@address@x", "@not a domain", ""})
    void invalidBlockEntriesAreRefusedWithTheEntryNamed(String raw) {
        AccountException e = assertThrows(AccountException.class, () -> PolicyEntries.blockEntry(raw));
        assertEquals(AccountException.Reason.INVALID_ENTRY, e.reason());
        assertTrue(e.getMessage().startsWith("invalid entry '" + raw + "'"), e.getMessage());
    }

    @Test
    void serverPatternsHoldAtMostEightStars() {
        assertEquals("server:a*b*c*d*e*f*g*h*.example", PolicyEntries.blockEntry("server:a*b*c*d*e*f*g*h*.example"));
        AccountException e = assertThrows(AccountException.class,
                () -> PolicyEntries.blockEntry("server:*a*b*c*d*e*f*g*h*.example"));
        assertEquals(AccountException.Reason.INVALID_ENTRY, e.reason());
        assertEquals("invalid entry 'server:*a*b*c*d*e*f*g*h*.example': at most 8 '*' in a pattern", e.getMessage());
    }

    @Test
    void serverNamesAndPatternsHoldAtMost253Characters() {
        String longest = GlobTest.longestName('a');
        assertEquals("server:" + longest, PolicyEntries.blockEntry("server:" + longest + "."));
        String tooLong = "b." + longest;
        AccountException e = assertThrows(AccountException.class, () -> PolicyEntries.blockEntry("server:" + tooLong));
        assertEquals("invalid entry 'server:" + tooLong + "': longer than 253 characters (the longest host name)",
                e.getMessage());
        String pattern = "*." + longest;
        assertThrows(AccountException.class, () -> PolicyEntries.blockEntry("server:" + pattern));
    }

    @Test
    void anyEntryTooLongToBeValidIsRefusedBeforeParsingWithoutEchoingItAll() {
        String huge = "server:" + "*a".repeat(100_000);
        AccountException e = assertThrows(AccountException.class, () -> PolicyEntries.blockEntry(huge));
        assertEquals(AccountException.Reason.INVALID_ENTRY, e.reason());
        assertTrue(e.getMessage().startsWith("invalid entry 'server:*a*a"), e.getMessage());
        assertTrue(e.getMessage().endsWith("longer than 320 characters (no address or host name is that long)"),
                e.getMessage());
        assertTrue(e.getMessage().length() < 200);
        assertThrows(AccountException.class, () -> PolicyEntries.catchAllEntry("x".repeat(400), OWNED));
    }

    @Test
    void catchAllEntriesNormalise() {
        assertEquals("sales", PolicyEntries.catchAllEntry("Sales", OWNED));
        assertEquals("sales@example.com", PolicyEntries.catchAllEntry("Sales@Example.com", OWNED));
        assertEquals("@example.com", PolicyEntries.catchAllEntry("@EXAMPLE.com.", OWNED));
        assertEquals("!sales@example.com", PolicyEntries.catchAllEntry("!Sales@example.com", OWNED));
    }

    @Test
    void smtputf8EntriesAreAcceptedInNfcLowerCase() {
        assertEquals("späm@evil.example", PolicyEntries.blockEntry("SPA\u0308M@Evil.Example"));
        assertEquals("verkäufer", PolicyEntries.catchAllEntry("Verka\u0308ufer", OWNED));
        assertEquals("!verkäufer@example.com", PolicyEntries.catchAllEntry("!VERKÄUFER@example.com", OWNED));
        assertEquals("spam@evil.example", PolicyEntries.blockEntry("\"Spam\"@evil.example"), "quotes dropped");
        assertEquals("\"a b\"@evil.example", PolicyEntries.blockEntry("\"A B\"@evil.example"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sp\u200bam@evil.example", "sp am", "a\u0085b", "\"\"@evil.example", "\"a\"b\"@evil.example",
        "\uD800x@evil.example"})
    void invisibleOrMalformedLocalPartsAreRefused(String raw) {
        AccountException e = assertThrows(AccountException.class, () -> {
            if (raw.contains("@")) {
                PolicyEntries.blockEntry(raw);
            } else {
                PolicyEntries.catchAllEntry(raw, OWNED);
            }
        });
        assertEquals(AccountException.Reason.INVALID_ENTRY, e.reason());
        assertTrue(e.getMessage().startsWith("invalid entry '" + raw + "'"), e.getMessage());
    }

    @Test
    void localPartsAreAtMost64Octets() {
        assertEquals("ä".repeat(32), PolicyEntries.catchAllEntry("ä".repeat(32), OWNED));
        AccountException e = assertThrows(AccountException.class, () -> PolicyEntries.catchAllEntry("ä".repeat(33), OWNED));
        assertTrue(e.getMessage().contains("longer than 64 octets"), e.getMessage());
    }

    @Test
    void bangNeedsAFullAddress() {
        AccountException e = assertThrows(AccountException.class, () -> PolicyEntries.catchAllEntry("!sales", OWNED));
        assertTrue(e.getMessage().contains("! needs a full address"), e.getMessage());
    }

    @Test
    void atNeedsADomain() {
        AccountException e = assertThrows(AccountException.class, () -> PolicyEntries.catchAllEntry("@", OWNED));
        assertTrue(e.getMessage().contains("@ needs a domain"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"@other.com", "x@other.com", "!x@other.com"})
    void domainsTheAccountDoesNotOwnAreRefused(String raw) {
        AccountException e = assertThrows(AccountException.class, () -> PolicyEntries.catchAllEntry(raw, OWNED));
        assertEquals(AccountException.Reason.NOT_ALLOWED, e.reason());
        assertTrue(e.getMessage().contains("does not own other.com"), e.getMessage());
    }
}
