package org.postern.policy.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DESIGN §4 Block List: addresses, sender domains and server: rules, with their edge cases. */
class BlockListTest {

    private static BlockList list(String... raw) {
        return BlockList.compile(List.of(raw).stream().map(PolicyEntries::blockEntry).toList());
    }

    private static boolean blocksServer(BlockList l, String... names) {
        return l.blocks(null, List.of(names));
    }

    private static boolean blocksSender(BlockList l, String sender) {
        return l.blocks(Addresses.sender(sender), List.of());
    }

    @Test
    void fullAddress() {
        BlockList l = list("spam@example.com");
        assertTrue(blocksSender(l, "spam@example.com"));
        assertTrue(blocksSender(l, "SPAM@Example.COM."));
        assertFalse(blocksSender(l, "ham@example.com"));
        assertFalse(blocksSender(l, "spam@sub.example.com"));
    }

    /**
     * Issue 6 item 4: a sender MailAddress cannot parse used to become null and skip the Block
     * List. Every sender with a domain is matched at least by that domain.
     */
    @Test
    void sendersMailAddressCannotParseAreStillMatchedByDomain() {
        BlockList l = list("@evil.example");
        assertTrue(blocksSender(l, "\"x\"@evil.example"), "quoted local part");
        assertTrue(blocksSender(l, "<\"a b\\\"c\"@EVIL.example.>"), "quoted, with space and quoted-pair");
        assertTrue(blocksSender(l, "späm@evil.example"), "UTF-8 local part");
        assertTrue(blocksSender(l, "sp\u200bam@evil.example"), "local part no entry could name");
        assertTrue(blocksSender(l, "x y@evil.example"), "garbage local part");
        assertTrue(blocksSender(l, "<@relay.example:x@evil.example>"), "source route");
        assertTrue(blocksSender(l, "x@evil。example"), "ideographic full stop is a dot in IDNA");
        assertFalse(blocksSender(l, "\"x@evil.example\"@good.example"), "the domain is after the last @");
    }

    @Test
    void fullAddressEntriesMatchSendersThatNormaliseEqual() {
        BlockList l = list("spam@evil.example", "späm@evil.example", "\"odd one\"@evil.example");
        assertTrue(blocksSender(l, "\"spam\"@evil.example"), "a quoted dot-string is that dot-string");
        assertTrue(blocksSender(l, "\"SP\\AM\"@evil.example"), "quoted-pairs resolved");
        assertTrue(blocksSender(l, "SPÄM@Evil.Example"), "SMTPUTF8, case-insensitive");
        assertTrue(blocksSender(l, "spa\u0308m@evil.example"), "NFD spelling of the same name");
        assertTrue(blocksSender(l, "\"Odd One\"@evil.example"));
        assertFalse(blocksSender(l, "spam2@evil.example"));
        assertFalse(blocksSender(l, "\"odd  one\"@evil.example"));
    }

    @Test
    void senderDomainIsThatDomainOnly() {
        BlockList l = list("@example.com");
        assertTrue(blocksSender(l, "anyone@example.com"));
        assertFalse(blocksSender(l, "anyone@sub.example.com"));
        assertFalse(blocksSender(l, "anyone@notexample.com"));
    }

    @Test
    void serverHostAndNamesUnderIt() {
        BlockList l = list("server:mail.spammer.com");
        assertTrue(blocksServer(l, "mail.spammer.com"));
        assertTrue(blocksServer(l, "a.mail.spammer.com"));
        assertFalse(blocksServer(l, "spammer.com"));
        assertFalse(blocksServer(l, "smtp.spammer.com"));
    }

    @Test
    void serverDomainAtLabelBoundaries() {
        BlockList l = list("server:spammer.com");
        assertTrue(blocksServer(l, "spammer.com"));
        assertTrue(blocksServer(l, "mx1.spammer.com"));
        assertTrue(blocksServer(l, "a.b.c.spammer.com"));
        assertFalse(blocksServer(l, "notspammer.com"), "label boundary");
        assertFalse(blocksServer(l, "spammer.com.example.org"));
    }

    @Test
    void serverTld() {
        BlockList l = list("server:ru");
        assertTrue(blocksServer(l, "mail.example.ru"));
        assertTrue(blocksServer(l, "ru"));
        assertFalse(blocksServer(l, "mail.example.rus"));
        assertFalse(blocksServer(l, "ru.example.com"));
    }

    @Test
    void serverWildcardMatchesEverythingUnderButNotTheApex() {
        BlockList l = list("server:*.spammer.com");
        assertTrue(blocksServer(l, "mx.spammer.com"));
        assertTrue(blocksServer(l, "a.b.spammer.com"));
        assertFalse(blocksServer(l, "spammer.com"), "not the apex itself");
        assertFalse(blocksServer(l, "notspammer.com"));
    }

    @Test
    void globStarMatchesAnyRunOfCharacters() {
        BlockList l = list("server:mx*.spammer.com", "server:bulk-*.*");
        assertTrue(blocksServer(l, "mx12.spammer.com"));
        assertTrue(blocksServer(l, "mx.spammer.com"));
        assertTrue(blocksServer(l, "mx-a.b.spammer.com"));
        assertFalse(blocksServer(l, "smtp.spammer.com"));
        assertTrue(blocksServer(l, "bulk-7.mailer.net"));
        assertFalse(blocksServer(l, "bulk.mailer.net"));
    }

    @Test
    void caseTrailingDotAndIdnAreIgnored() {
        BlockList l = list("server:Spammer.COM.", "server:bücher.example");
        assertTrue(blocksServer(l, "MX.SPAMMER.com."));
        assertTrue(blocksServer(l, "mail.xn--bcher-kva.example"));
        assertTrue(blocksServer(l, "mail.BÜCHER.example."));
    }

    @Test
    void eitherIdentityOfTheServerMatches() {
        BlockList l = list("server:spammer.com");
        assertTrue(blocksServer(l, "innocent.example.org", "mx.spammer.com"), "EHLO name");
        assertTrue(blocksServer(l, "mx.spammer.com", "innocent.example.org"), "reverse DNS name");
        assertFalse(blocksServer(l, "innocent.example.org", "[192.0.2.1]"));
    }

    @Test
    void addressLiteralsAndGarbageNeverMatchOrThrow() {
        BlockList l = list("server:com", "server:*.x");
        assertFalse(blocksServer(l, "[192.0.2.1]", "", "..", "a..b"));
    }

    @Test
    void nullSenderIsJudgedByServerOnly() {
        BlockList l = list("@example.com", "server:spammer.com");
        assertFalse(l.blocks(null, List.of("ok.example.org")));
        assertTrue(l.blocks(null, List.of("mx.spammer.com")));
    }

    @Test
    void hundredThousandEntriesStillDecideByLookup() {
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            entries.add("server:host" + i + ".spammer" + (i % 100) + ".com");
        }
        entries.add("server:*.glob.example");
        BlockList l = BlockList.compile(entries);
        assertTrue(blocksServer(l, "a.host99999.spammer99.com"));
        assertTrue(blocksServer(l, "x.glob.example"));
        assertFalse(blocksServer(l, "host99999.spammer98.com"));
    }

    @Test
    void patternTailKeys() {
        org.junit.jupiter.api.Assertions.assertEquals("spammer.com", BlockList.tailKey("*.spammer.com"));
        org.junit.jupiter.api.Assertions.assertEquals("spammer.com", BlockList.tailKey("mx*.spammer.com"));
        org.junit.jupiter.api.Assertions.assertEquals("", BlockList.tailKey("spammer.*"));
    }
}
