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
    void catchAllEntriesNormalise() {
        assertEquals("sales", PolicyEntries.catchAllEntry("Sales", OWNED));
        assertEquals("sales@example.com", PolicyEntries.catchAllEntry("Sales@Example.com", OWNED));
        assertEquals("@example.com", PolicyEntries.catchAllEntry("@EXAMPLE.com.", OWNED));
        assertEquals("!sales@example.com", PolicyEntries.catchAllEntry("!Sales@example.com", OWNED));
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
