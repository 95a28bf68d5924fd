package org.postern.policy.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.postern.api.policy.CatchAllMode;

/** DESIGN §4 Manage Catch-alls, every example and the edges around them. */
class CatchAllRulesTest {
    private static final Set<String> OWNED = Set.of("example.com", "other.com", "alias.example.com");

    private static CatchAllRules rules(CatchAllMode mode, String... raw) {
        return CatchAllRules.compile(mode, List.of(raw).stream().map(e -> PolicyEntries.catchAllEntry(e, OWNED)).toList());
    }

    private static boolean accepts(CatchAllRules rules, String address) {
        return rules.accepts(Addresses.parse(address));
    }

    @Test
    void blockModeWithNoEntriesIsACatchAll() {
        CatchAllRules r = rules(CatchAllMode.BLOCK);
        assertTrue(accepts(r, "anything@example.com"));
        assertTrue(accepts(r, "x@alias.example.com"));
    }

    @Test
    void whitelistModeWithNoEntriesRefusesEverything() {
        CatchAllRules r = rules(CatchAllMode.WHITELIST);
        assertFalse(accepts(r, "anything@example.com"));
    }

    @Test
    void blockModeLocalPartOnAllDomainsWithAnAliasExceptionDeliversOnlyThatAddress() {
        // DESIGN: in BLOCK mode `sales` + `!sales@example.com` delivers only sales@example.com
        CatchAllRules r = rules(CatchAllMode.BLOCK, "sales", "!sales@example.com");
        assertTrue(accepts(r, "sales@example.com"));
        assertFalse(accepts(r, "sales@other.com"));
        assertFalse(accepts(r, "sales@alias.example.com"));
        assertTrue(accepts(r, "info@other.com"), "other local parts stay catch-all");
    }

    @Test
    void whitelistModeDomainExceptionWithAnAliasExceptionRefusesOnlyThatAddress() {
        // DESIGN: in WHITELIST mode `@example.com` + `!sales@example.com` makes example.com a
        // catch-all that refuses only sales@
        CatchAllRules r = rules(CatchAllMode.WHITELIST, "@example.com", "!sales@example.com");
        assertTrue(accepts(r, "anything@example.com"));
        assertFalse(accepts(r, "sales@example.com"));
        assertFalse(accepts(r, "anything@other.com"), "other domains stay whitelist-only");
    }

    @Test
    void blockModeEntries() {
        CatchAllRules r = rules(CatchAllMode.BLOCK, "sales", "shop@other.com");
        assertFalse(accepts(r, "sales@example.com"));
        assertFalse(accepts(r, "sales@other.com"));
        assertFalse(accepts(r, "shop@other.com"));
        assertTrue(accepts(r, "shop@example.com"), "a full address entry is that address only");
    }

    @Test
    void whitelistModeEntries() {
        CatchAllRules r = rules(CatchAllMode.WHITELIST, "sales", "shop@other.com");
        assertTrue(accepts(r, "sales@example.com"));
        assertTrue(accepts(r, "sales@alias.example.com"));
        assertTrue(accepts(r, "shop@other.com"));
        assertFalse(accepts(r, "shop@example.com"));
        assertFalse(accepts(r, "info@other.com"));
    }

    @Test
    void domainExceptionsAreExactDomains() {
        CatchAllRules r = rules(CatchAllMode.WHITELIST, "@example.com");
        assertTrue(accepts(r, "x@example.com"));
        assertFalse(accepts(r, "x@alias.example.com"), "@alias.example.com is its own domain");
    }

    @Test
    void domainExceptionOverridesBlockEntries() {
        CatchAllRules r = rules(CatchAllMode.BLOCK, "sales", "@example.com");
        assertTrue(accepts(r, "sales@example.com"));
        assertFalse(accepts(r, "sales@other.com"));
    }

    @Test
    void aliasExceptionFlipsEvenADomainException() {
        CatchAllRules r = rules(CatchAllMode.BLOCK, "@example.com", "!spam@example.com");
        assertFalse(accepts(r, "spam@example.com"));
        assertTrue(accepts(r, "ham@example.com"));
    }

    @Test
    void aliasExceptionAloneInBlockModeRefusesThatAddress() {
        CatchAllRules r = rules(CatchAllMode.BLOCK, "!leaked@example.com");
        assertFalse(accepts(r, "leaked@example.com"));
        assertTrue(accepts(r, "fine@example.com"));
    }

    @Test
    void matchingIgnoresCaseAndTrailingDotsBecauseBothSidesAreNormalised() {
        CatchAllRules r = rules(CatchAllMode.BLOCK, "Sales", "!SALES@Example.COM.");
        assertTrue(accepts(r, "sales@EXAMPLE.com"));
        assertFalse(accepts(r, "SALES@other.com."));
    }

    /** SMTPUTF8 local parts are accepted, NFC-normalised and matched like ASCII ones. */
    @Test
    void utf8LocalPartsMatchCaseInsensitivelyAfterNfc() {
        CatchAllRules block = rules(CatchAllMode.BLOCK, "verkäufer", "!Einkäufer@other.com");
        assertFalse(accepts(block, "Verkäufer@example.com"));
        assertFalse(accepts(block, "VERKÄUFER@other.com"));
        assertFalse(accepts(block, "verka\u0308ufer@example.com"), "NFD spelling of the same name");
        assertTrue(accepts(block, "verkaufer@example.com"));
        assertFalse(accepts(block, "einkäufer@other.com"), "alias exception flips the base ACCEPT");
        assertTrue(accepts(block, "einkäufer@example.com"));

        CatchAllRules whitelist = rules(CatchAllMode.WHITELIST, "verka\u0308ufer", "用户@other.com");
        assertTrue(accepts(whitelist, "Verkäufer@example.com"));
        assertTrue(accepts(whitelist, "用户@other.com"));
        assertFalse(accepts(whitelist, "用户@example.com"));
    }

    @Test
    void idnDomainsCompareInPunycode() {
        Set<String> owned = Set.of("xn--bcher-kva.example");
        CatchAllRules r = CatchAllRules.compile(CatchAllMode.WHITELIST,
                List.of(PolicyEntries.catchAllEntry("@bücher.example", owned)));
        assertTrue(accepts(r, "shop@BÜCHER.example"));
        assertTrue(accepts(r, "shop@xn--bcher-kva.example"));
    }

    @Test
    void decisionCostDoesNotDependOnHowManyEntriesThereAre() {
        // Not a timing assertion: the structure must be hash lookups. 100,000 entries, decided at once.
        List<String> entries = new java.util.ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            entries.add("user" + i);
        }
        entries.add("!user5@example.com");
        CatchAllRules r = CatchAllRules.compile(CatchAllMode.BLOCK, entries);
        assertFalse(accepts(r, "user99999@example.com"));
        assertTrue(accepts(r, "user5@example.com"));
        assertTrue(accepts(r, "someone@example.com"));
    }

    @Test
    void theExplanationNamesTheRuleThatDecided() {
        CatchAllRules block = rules(CatchAllMode.BLOCK, "sales", "!sales@example.com", "shop@other.com");
        org.junit.jupiter.api.Assertions.assertEquals("the entry sales blocks it",
                block.explain(Addresses.parse("sales@other.com")));
        org.junit.jupiter.api.Assertions.assertEquals("the entry shop@other.com blocks it",
                block.explain(Addresses.parse("shop@other.com")));
        org.junit.jupiter.api.Assertions.assertEquals("block mode delivers every address that is not listed",
                block.explain(Addresses.parse("info@other.com")));
        org.junit.jupiter.api.Assertions.assertEquals(
                "the alias exception !sales@example.com turns the rule around (the entry sales blocks it), so it is delivered",
                block.explain(Addresses.parse("sales@example.com")));
        CatchAllRules white = rules(CatchAllMode.WHITELIST, "@example.com", "bob@other.com");
        org.junit.jupiter.api.Assertions.assertEquals("@example.com is a domain exception, so every address there is delivered",
                white.explain(Addresses.parse("x@example.com")));
        org.junit.jupiter.api.Assertions.assertEquals("the entry bob@other.com lets it through",
                white.explain(Addresses.parse("bob@other.com")));
        org.junit.jupiter.api.Assertions.assertEquals(
                "whitelist mode delivers only listed addresses, and it is not listed", white.explain(Addresses.parse("x@other.com")));
    }
}
