package org.postern.policy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postern.api.policy.RecipientVerdict.Kind;

/** The whole RCPT decision (DESIGN §4) through PolicyEngine, against in-memory accounts and store. */
class PolicyEngineTest {
    private static final List<String> INNOCENT = List.of("mx.innocent.example.org");

    private Fakes fakes;
    private PolicyEngine engine;

    @BeforeEach
    void setUp() {
        fakes = new Fakes();
        fakes.account("acc-alice", "alice@example.net", "shop.example.com");
        engine = fakes.engine();
    }

    private Kind decide(String recipient, String sender) {
        return engine.decide(recipient, sender, INNOCENT, false).kind();
    }

    @Test
    void orderOfChecks() {
        assertEquals(Kind.RELAY_DENIED, decide("x@elsewhere.example", "a@b.example"));
        assertEquals(Kind.OUTBOUND, engine.decide("x@elsewhere.example", "a@b.example", INNOCENT, true).kind());
        assertEquals(Kind.USER_UNKNOWN, decide("bob@example.net", "a@b.example"));
        assertEquals(Kind.ACCEPT, decide("alice@example.net", "a@b.example"));
        assertEquals(Kind.ACCEPT, decide("anything@shop.example.com", "a@b.example"));
    }

    /**
     * Issue 6 item 4: {@code MAIL FROM:<"x"@evil.example>} and non-ASCII local parts did not parse,
     * became a null sender and were judged by the server rules alone.
     */
    @Test
    void senderDomainEntryBlocksSendersMailAddressCannotParse() {
        engine.addBlockEntry("alice@example.net", "@evil.example");
        for (String sender : List.of("\"x\"@evil.example", "\"a b\"@evil.example", "späm@evil.example",
                "<@relay.example:x@evil.example>", "x y@evil.example")) {
            assertEquals(Kind.USER_UNKNOWN, decide("alice@example.net", sender), sender);
            assertEquals(Kind.USER_UNKNOWN, decide("sales@shop.example.com", sender), sender);
        }
        assertEquals(Kind.ACCEPT, decide("alice@example.net", "\"x\"@good.example"));
        assertEquals(Kind.ACCEPT, decide("alice@example.net", ""), "the null sender is judged by server rules");
        assertEquals(Kind.ACCEPT, decide("alice@example.net", "<>"));
    }

    /** SMTPUTF8: a Block List address with a non-ASCII local part blocks that sender in any spelling. */
    @Test
    void utf8AddressEntryBlocksThatSender() {
        assertEquals("späm@evil.example", engine.addBlockEntry("alice@example.net", "Späm@Evil.Example"));
        assertEquals(Kind.USER_UNKNOWN, decide("alice@example.net", "späm@evil.example"));
        assertEquals(Kind.USER_UNKNOWN, decide("alice@example.net", "SPÄM@evil.example"));
        assertEquals(Kind.USER_UNKNOWN, decide("alice@example.net", "spa\u0308m@evil.example"), "NFD");
        assertEquals(Kind.USER_UNKNOWN, decide("alice@example.net", "\"späm\"@evil.example"), "quoted");
        assertEquals(Kind.ACCEPT, decide("alice@example.net", "spam@evil.example"));
    }

    @Test
    void anEntryStoredBeforeTheCapsStillWorksAndIsRemovable() {
        String legacy = "server:*a*a*a*a*a*a*a*a*a.example";
        fakes.repository.addEntry("acc-alice", org.postern.core.store.PolicyRepository.ListKind.BLOCK, legacy);
        assertEquals(Kind.USER_UNKNOWN, engine.decide("alice@example.net", "a@b.example",
                List.of("aaaaaaaaa.example"), false).kind());
        engine.removeBlockEntry("alice@example.net", legacy);
        assertEquals(List.of(), engine.blockList("alice@example.net"));
    }

    @Test
    void anEntryForADomainGivenUpIsRemovableInAnySpelling() {
        engine.addCatchAllEntry("alice@example.net", "!Verkäufer@shop.example.com");
        fakes.ownedDomains.remove("shop.example.com");
        engine.removeCatchAllEntry("alice@example.net", "!VERKA\u0308UFER@Shop.Example.Com.");
        assertEquals(List.of(), engine.catchAllEntries("alice@example.net"));
    }

    /** SMTPUTF8 recipients at a catch-all domain meet the catch-all rules like ASCII ones. */
    @Test
    void utf8RecipientsMeetTheCatchAllRules() {
        engine.addCatchAllEntry("alice@example.net", "verkäufer");
        assertEquals(Kind.USER_UNKNOWN, decide("Verkäufer@shop.example.com", "a@b.example"));
        assertEquals(Kind.USER_UNKNOWN, decide("VERKA\u0308UFER@shop.example.com", "a@b.example"), "NFD");
        assertEquals(Kind.ACCEPT, decide("Käufer@shop.example.com", "a@b.example"));
        engine.setCatchAllMode("alice@example.net", org.postern.api.policy.CatchAllMode.WHITELIST);
        assertEquals(Kind.ACCEPT, decide("verkäufer@shop.example.com", "a@b.example"));
        assertEquals(Kind.USER_UNKNOWN, decide("Käufer@shop.example.com", "a@b.example"));
    }

    @Test
    void anUnparseableRecipientAtAHostedDomainIsUnknownNotRelaying() {
        assertEquals(Kind.USER_UNKNOWN, decide("a..b@shop.example.com", "a@b.example"));
        assertEquals(Kind.USER_UNKNOWN, decide("x y@example.net", "a@b.example"));
        assertEquals(Kind.RELAY_DENIED, decide("x y@elsewhere.example", "a@b.example"));
        assertEquals(Kind.RELAY_DENIED, decide("no-domain", "a@b.example"));
    }

    @Test
    void quotedRecipientIsTheSameMailboxAsItsDotString() {
        engine.addCatchAllEntry("alice@example.net", "sales");
        assertEquals(Kind.USER_UNKNOWN, decide("\"Sales\"@shop.example.com", "a@b.example"));
        assertEquals(Kind.ACCEPT, decide("\"info\"@shop.example.com", "a@b.example"));
        assertEquals(Kind.ACCEPT, decide("\"Alice\"@example.net", "a@b.example"));
    }
}
