package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import org.junit.Before;
import org.junit.Test;
import org.postern.api.policy.RecipientPolicy;
import org.postern.api.policy.RecipientVerdict.Kind;

/**
 * DESIGN §4 through the real services and the operator's commands: the order of the checks, the
 * catch-all examples, the Block List's server: rules, and the refusal of malformed entries.
 */
public class PolicyIT extends PosternTestSupport {
    private static boolean setUp;
    private RecipientPolicy policy;

    @Before
    public void accounts() throws Exception {
        policy = await(RecipientPolicy.class, 60);
        if (!setUp) {
            ok("postern:domain-add example.net");
            ok("postern:account-add alice@example.net --password-file " + passwordFile("alice password 1"));
            ok("postern:account-add bob@example.net --password-file " + passwordFile("bob password 22"));
            ok("postern:account-add carol@example.net --password-file " + passwordFile("carol password 333"));
            ok("postern:account-domain-add alice@example.net example.com");
            ok("postern:account-domain-add alice@example.net shop.alice.example.net");
            ok("postern:account-domain-add carol@example.net carol.example");
            ok("postern:account-domain-add carol@example.net alias.carol.example");
            setUp = true;
        }
    }

    private Kind decide(String rcpt, String sender, String... servers) {
        return policy.decide(rcpt, sender, List.of(servers), false).kind();
    }

    @Test
    public void checkOrderRelayThenUnknownUser() {
        assertEquals(Kind.RELAY_DENIED, decide("someone@elsewhere.org", "x@y.org", "mx.y.org"));
        assertEquals(Kind.OUTBOUND, policy.decide("someone@elsewhere.org", "alice@example.net", List.of(), true).kind());
        assertEquals(Kind.USER_UNKNOWN, decide("nobody@example.net", "x@y.org", "mx.y.org"));
        assertEquals(Kind.ACCEPT, decide("bob@example.net", "x@y.org", "mx.y.org"));
        assertEquals("bob@example.net",
                policy.decide("BOB@Example.NET.", "", List.of(), false).resolution().account().address().toString());
    }

    @Test
    public void blockModeLocalPartWithAliasExceptionDeliversOnlyThatAddress() {
        ok("postern:catchall-add alice@example.net sales");
        ok("postern:catchall-add alice@example.net '!sales@example.com'");
        try {
            assertEquals(Kind.ACCEPT, decide("sales@example.com", "x@y.org"));
            assertEquals(Kind.USER_UNKNOWN, decide("sales@shop.alice.example.net", "x@y.org"));
            assertEquals(Kind.ACCEPT, decide("orders@shop.alice.example.net", "x@y.org"));
            assertEquals("the primary address is not a catch-all", Kind.ACCEPT, decide("alice@example.net", "x@y.org"));
            assertTrue(ok("postern:catchall-list alice@example.net"),
                    ok("postern:catchall-list alice@example.net").equals("mode: block\n!sales@example.com\nsales\n"));
        } finally {
            ok("postern:catchall-remove alice@example.net sales");
            ok("postern:catchall-remove alice@example.net '!sales@example.com'");
        }
        assertEquals(Kind.ACCEPT, decide("sales@shop.alice.example.net", "x@y.org"));
    }

    @Test
    public void whitelistModeDomainExceptionWithAliasExceptionRefusesOnlyThatAddress() {
        ok("postern:catchall-mode carol@example.net whitelist");
        ok("postern:catchall-add carol@example.net @carol.example");
        ok("postern:catchall-add carol@example.net '!sales@carol.example'");
        assertEquals(Kind.ACCEPT, decide("anything@carol.example", "x@y.org"));
        assertEquals(Kind.USER_UNKNOWN, decide("sales@carol.example", "x@y.org"));
        assertEquals("@alias.carol.example is its own domain", Kind.USER_UNKNOWN, decide("anything@alias.carol.example", "x@y.org"));
        ok("postern:catchall-add carol@example.net info");
        assertEquals(Kind.ACCEPT, decide("info@alias.carol.example", "x@y.org"));
        assertEquals("whitelist", ok("postern:catchall-mode carol@example.net").trim());
    }

    @Test
    public void blockListSenderAndServerRules() {
        ok("postern:block-add bob@example.net spam@evil.org");
        ok("postern:block-add bob@example.net @junk.example");
        ok("postern:block-add bob@example.net server:spammer.com");
        ok("postern:block-add bob@example.net server:ru");
        ok("postern:block-add bob@example.net 'server:*.bulk.example'");
        assertEquals(Kind.USER_UNKNOWN, decide("bob@example.net", "SPAM@evil.org", "mx.ok.example"));
        assertEquals(Kind.ACCEPT, decide("bob@example.net", "ham@evil.org", "mx.ok.example"));
        assertEquals(Kind.USER_UNKNOWN, decide("bob@example.net", "anyone@junk.example", "mx.ok.example"));
        assertEquals(Kind.USER_UNKNOWN, decide("bob@example.net", "x@y.org", "mx1.spammer.com"));
        assertEquals("EHLO name counts too", Kind.USER_UNKNOWN, decide("bob@example.net", "x@y.org", "mx.ok.example", "Spammer.COM."));
        assertEquals("label boundary", Kind.ACCEPT, decide("bob@example.net", "x@y.org", "notspammer.com"));
        assertEquals(Kind.USER_UNKNOWN, decide("bob@example.net", "x@y.org", "mail.yandex.ru"));
        assertEquals(Kind.USER_UNKNOWN, decide("bob@example.net", "x@y.org", "a.bulk.example"));
        assertEquals("not the apex", Kind.ACCEPT, decide("bob@example.net", "x@y.org", "bulk.example"));
        assertEquals("other accounts are not affected", Kind.ACCEPT, decide("carol@example.net", "spam@evil.org", "mx1.spammer.com"));
        assertEquals("@junk.example\nserver:*.bulk.example\nserver:ru\nserver:spammer.com\nspam@evil.org\n",
                ok("postern:block-list bob@example.net"));
        ok("postern:block-remove bob@example.net server:spammer.com");
        assertEquals(Kind.ACCEPT, decide("bob@example.net", "x@y.org", "mx1.spammer.com"));
    }

    @Test
    public void malformedEntriesAreRefusedWithAClearLine() {
        refused("postern:block-add bob@example.net server:", "server: needs a host");
        refused("postern:block-add bob@example.net @", "@ needs a domain");
        refused("postern:block-add bob@example.net nonsense", "expected an address");
        refused("postern:catchall-add alice@example.net '!sales'", "! needs a full address");
        refused("postern:catchall-add alice@example.net @", "@ needs a domain");
        refused("postern:catchall-add alice@example.net @example.org", "does not own example.org");
        refused("postern:catchall-add alice@example.net 'x@carol.example'", "does not own carol.example");
        refused("postern:catchall-mode alice@example.net maybe", "mode must be block or whitelist");
        refused("postern:block-add nobody@example.net server:x.com", "no account nobody@example.net");
        refused("postern:block-remove bob@example.net server:never-added.com", "is not on the Block List");
        ok("postern:block-add bob@example.net server:dup.example");
        refused("postern:block-add bob@example.net server:DUP.example.", "already");
    }

    private void refused(String command, String message) {
        Result r = shell(command);
        assertTrue(command + " -> " + r, r.failed() && r.error().contains(message));
    }
}
