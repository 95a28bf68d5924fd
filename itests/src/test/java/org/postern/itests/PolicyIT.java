package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.Before;
import org.junit.Test;
import org.postern.api.account.AccountService;
import org.postern.api.account.DomainService;
import org.postern.api.policy.PolicyRules;
import org.postern.api.policy.RecipientPolicy;
import org.postern.api.policy.RecipientVerdict.Kind;

/**
 * DESIGN §4 through the real services and the operator's commands: the order of the checks, the
 * catch-all examples, the Block List's server: rules, and the refusal of malformed entries.
 *
 * <p>The tests share one container but nothing else: each has its own service domain, and
 * creates under it the accounts, custom domains and rules it needs, so neither the order of the
 * methods nor a failure halfway through one can change what another sees.
 */
public class PolicyIT extends PosternTestSupport {
    private RecipientPolicy policy;
    /** This test's own names: a fresh label, e.g. {@code t1a2b3c4d}. */
    private String unique;
    /** This test's own service domain, {@code <unique>.example.net}. */
    private String net;

    @Before
    public void ownServiceDomain() throws Exception {
        policy = await(RecipientPolicy.class, 60);
        // What the commands below use; they fail at once rather than wait for a service.
        await(DomainService.class, 60);
        await(AccountService.class, 60);
        await(PolicyRules.class, 60);
        unique = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        net = unique + ".example.net";
        ok("postern:domain-add " + net);
    }

    /** Creates {@code localPart@<this test's domain>} and returns the address. */
    private String account(String localPart) {
        String address = localPart + "@" + net;
        ok("postern:account-add " + address + " --password-file " + passwordFile(localPart + " password 1234"));
        return address;
    }

    /** Gives the account a domain and returns its name. */
    private String owns(String address, String domain) {
        ok("postern:account-domain-add " + address + " " + domain);
        return domain;
    }

    private Kind decide(String rcpt, String sender, String... servers) {
        return policy.decide(rcpt, sender, List.of(servers), false).kind();
    }

    @Test
    public void checkOrderRelayThenUnknownUser() {
        String alice = account("alice");
        String bob = account("bob");
        assertEquals(Kind.RELAY_DENIED, decide("someone@elsewhere.org", "x@y.org", "mx.y.org"));
        assertEquals(Kind.OUTBOUND, policy.decide("someone@elsewhere.org", alice, List.of(), true).kind());
        assertEquals(Kind.USER_UNKNOWN, decide("nobody@" + net, "x@y.org", "mx.y.org"));
        assertEquals(Kind.ACCEPT, decide(bob, "x@y.org", "mx.y.org"));
        assertEquals(bob, policy.decide("BOB@" + net.toUpperCase(Locale.ROOT) + ".", "", List.of(), false)
                .resolution().account().address().toString());
    }

    @Test
    public void blockModeLocalPartWithAliasExceptionDeliversOnlyThatAddress() {
        String alice = account("alice");
        String custom = owns(alice, unique + ".example.com");
        String shop = owns(alice, "shop.alice." + net);
        ok("postern:catchall-add " + alice + " sales");
        ok("postern:catchall-add " + alice + " '!sales@" + custom + "'");
        assertEquals(Kind.ACCEPT, decide("sales@" + custom, "x@y.org"));
        assertEquals(Kind.USER_UNKNOWN, decide("sales@" + shop, "x@y.org"));
        assertEquals(Kind.ACCEPT, decide("orders@" + shop, "x@y.org"));
        assertEquals("the primary address is not a catch-all", Kind.ACCEPT, decide(alice, "x@y.org"));
        assertEquals("mode: block\n!sales@" + custom + "\nsales\n", ok("postern:catchall-list " + alice));
        ok("postern:catchall-remove " + alice + " sales");
        ok("postern:catchall-remove " + alice + " '!sales@" + custom + "'");
        assertEquals(Kind.ACCEPT, decide("sales@" + shop, "x@y.org"));
        assertEquals("mode: block\n", ok("postern:catchall-list " + alice));
    }

    @Test
    public void whitelistModeDomainExceptionWithAliasExceptionRefusesOnlyThatAddress() {
        String carol = account("carol");
        String domain = owns(carol, "carol." + unique + ".example");
        String alias = owns(carol, "alias." + domain);
        ok("postern:catchall-mode " + carol + " whitelist");
        ok("postern:catchall-add " + carol + " @" + domain);
        ok("postern:catchall-add " + carol + " '!sales@" + domain + "'");
        assertEquals(Kind.ACCEPT, decide("anything@" + domain, "x@y.org"));
        assertEquals(Kind.USER_UNKNOWN, decide("sales@" + domain, "x@y.org"));
        assertEquals("@" + alias + " is its own domain", Kind.USER_UNKNOWN, decide("anything@" + alias, "x@y.org"));
        ok("postern:catchall-add " + carol + " info");
        assertEquals(Kind.ACCEPT, decide("info@" + alias, "x@y.org"));
        assertEquals("whitelist", ok("postern:catchall-mode " + carol).trim());
    }

    @Test
    public void blockListSenderAndServerRules() {
        String bob = account("bob");
        String carol = account("carol");
        ok("postern:block-add " + bob + " spam@evil.org");
        ok("postern:block-add " + bob + " @junk.example");
        ok("postern:block-add " + bob + " server:spammer.com");
        ok("postern:block-add " + bob + " server:ru");
        ok("postern:block-add " + bob + " 'server:*.bulk.example'");
        assertEquals(Kind.USER_UNKNOWN, decide(bob, "SPAM@evil.org", "mx.ok.example"));
        assertEquals(Kind.ACCEPT, decide(bob, "ham@evil.org", "mx.ok.example"));
        assertEquals(Kind.USER_UNKNOWN, decide(bob, "anyone@junk.example", "mx.ok.example"));
        assertEquals(Kind.USER_UNKNOWN, decide(bob, "x@y.org", "mx1.spammer.com"));
        assertEquals("EHLO name counts too", Kind.USER_UNKNOWN, decide(bob, "x@y.org", "mx.ok.example", "Spammer.COM."));
        assertEquals("label boundary", Kind.ACCEPT, decide(bob, "x@y.org", "notspammer.com"));
        assertEquals(Kind.USER_UNKNOWN, decide(bob, "x@y.org", "mail.yandex.ru"));
        assertEquals(Kind.USER_UNKNOWN, decide(bob, "x@y.org", "a.bulk.example"));
        assertEquals("not the apex", Kind.ACCEPT, decide(bob, "x@y.org", "bulk.example"));
        assertEquals("other accounts are not affected", Kind.ACCEPT, decide(carol, "spam@evil.org", "mx1.spammer.com"));
        assertEquals("@junk.example\nserver:*.bulk.example\nserver:ru\nserver:spammer.com\nspam@evil.org\n",
                ok("postern:block-list " + bob));
        ok("postern:block-remove " + bob + " server:spammer.com");
        assertEquals(Kind.ACCEPT, decide(bob, "x@y.org", "mx1.spammer.com"));
    }

    @Test
    public void malformedEntriesAreRefusedWithAClearLine() {
        String alice = account("alice");
        String bob = account("bob");
        String carol = account("carol");
        String carols = owns(carol, "carol." + unique + ".example");
        String elsewhere = unique + ".example.org";
        refused("postern:block-add " + bob + " server:", "server: needs a host");
        refused("postern:block-add " + bob + " @", "@ needs a domain");
        refused("postern:block-add " + bob + " nonsense", "expected an address");
        refused("postern:catchall-add " + alice + " '!sales'", "! needs a full address");
        refused("postern:catchall-add " + alice + " @", "@ needs a domain");
        refused("postern:catchall-add " + alice + " @" + elsewhere, "does not own " + elsewhere);
        refused("postern:catchall-add " + alice + " 'x@" + carols + "'", "does not own " + carols);
        refused("postern:catchall-mode " + alice + " maybe", "mode must be block or whitelist");
        refused("postern:block-add nobody@" + net + " server:x.com", "no account nobody@" + net);
        refused("postern:block-remove " + bob + " server:never-added.com", "is not on the Block List");
        ok("postern:block-add " + bob + " server:dup.example");
        refused("postern:block-add " + bob + " server:DUP.example.", "already");
        assertEquals("only the one good entry was added", "server:dup.example\n", ok("postern:block-list " + bob));
        assertEquals("mode: block\n", ok("postern:catchall-list " + alice));
    }

    private void refused(String command, String message) {
        Result r = shell(command);
        assertTrue(command + " -> " + r, r.failed() && r.error().contains(message));
    }
}
