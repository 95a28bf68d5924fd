package org.postern.mime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** RFC 2047 section 8's examples and what senders actually write. */
class EncodedWordsTest {
    @Test
    void quotedPrintableAndBase64InAnyCharset() {
        assertEquals("Café crème", EncodedWords.decode("=?UTF-8?Q?Caf=C3=A9_cr=C3=A8me?="));
        assertEquals("Keld Jørn Simonsen <keld@example.org>",
                EncodedWords.decode("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@example.org>"));
        assertEquals("If you can read this you understand the example.", EncodedWords.decode(
                "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?= =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?="));
        assertEquals("Grüße", EncodedWords.decode("=?utf-8?b?R3LDvMOfZQ?="), "padding left out");
        assertEquals("café", EncodedWords.decode("=?UTF-8*fr?Q?caf=C3=A9?="), "RFC 2231 language suffix");
    }

    @Test
    void adjacentWordsJoinWithoutTheirSpaceAndSplitCharactersAreWhole() {
        assertEquals("(ab)", EncodedWords.decode("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)"));
        assertEquals("(ab)", EncodedWords.decode("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)"));
        assertEquals("(a b)", EncodedWords.decode("(=?ISO-8859-1?Q?a_b?=)"));
        assertEquals("a b", EncodedWords.decode("=?ISO-8859-1?Q?a?= b"), "plain text keeps its space");
        // "é" is C3 A9: a sender split it between two words.
        assertEquals("café", EncodedWords.decode("=?UTF-8?Q?caf=C3?= =?UTF-8?Q?=A9?="));
    }

    @Test
    void whatIsNotAWellFormedWordStaysAsWritten() {
        String plain = "no encoded words here";
        assertSame(plain, EncodedWords.decode(plain));
        assertEquals("=?x-unknown-charset?Q?abc?=", EncodedWords.decode("=?x-unknown-charset?Q?abc?="));
        assertEquals("=?UTF-8?X?abc?=", EncodedWords.decode("=?UTF-8?X?abc?="));
        assertEquals("=?UTF-8?Q?a b?=", EncodedWords.decode("=?UTF-8?Q?a b?="), "no white space inside a word");
        assertEquals("=?UTF-8?Q?abc", EncodedWords.decode("=?UTF-8?Q?abc"));
        assertEquals("=?UTF-8?Q?=Z1?=", EncodedWords.decode("=?UTF-8?Q?=Z1?="));
        assertEquals("=?UTF-8?B?a?=", EncodedWords.decode("=?UTF-8?B?a?="));
        assertEquals("x =?UTF-8?Q?ok?", EncodedWords.decode("x =?UTF-8?Q?ok?"));
        assertEquals("\uFFFD", EncodedWords.decode("=?UTF-8?Q?=FF?="), "octets that are not UTF-8");
        assertEquals("ok and =?bad", EncodedWords.decode("=?US-ASCII?Q?ok?= and =?bad"));
    }

    @Test
    void thousandsOfUnknownCharsetNamesCostNoLookupEachAndDecodingStopsAtAThousandWords() {
        String made = "=?x-made-up-charset?Q?a?= ".repeat(30_000);
        String decoded = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> EncodedWords.decode(made));
        assertEquals(made, decoded, "unknown charsets stay as written");
        String many = "=?UTF-8?Q?a?= ".repeat(EncodedWords.MAX_WORDS + 5);
        String out = EncodedWords.decode(many);
        assertEquals("a".repeat(EncodedWords.MAX_WORDS) + " " + "=?UTF-8?Q?a?= ".repeat(5), out,
                "the first thousand words decoded, the rest as written");
    }

    @Test
    void aHostileRunOfUnterminatedWordsIsReadInLinearTime() {
        String run = "=?UTF-8?Q?aaaaaaaaaa".repeat(50_000) + " =?UTF-8?Q?end?=";
        String decoded = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> EncodedWords.decode(run));
        assertEquals("=?UTF-8?Q?aaaaaaaaaa".repeat(50_000) + " end", decoded);
    }
}
