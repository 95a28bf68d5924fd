package org.postern.imap.internal.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ModifiedUtf7Test {
    private static String refused(String name) {
        return assertThrows(IllegalArgumentException.class, () -> ModifiedUtf7.decode(name)).getMessage();
    }

    @Test
    void rfc3501Examples() {
        assertEquals("~peter/mail/台北/日本語", ModifiedUtf7.decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-"));
        assertEquals("~peter/mail/&U,BTFw-/&ZeVnLIqe-", ModifiedUtf7.encode("~peter/mail/台北/日本語"));
    }

    @Test
    void roundTrips() {
        for (String s : new String[] {"", "INBOX", "Entwürfe", "Tom & Jerry", "&", "&&", "Ünïcødé/€ 1", "emoji 😀 x",
                "日本語&台北", "a\tb", "\u007f"}) {
            assertEquals(s, ModifiedUtf7.decode(ModifiedUtf7.encode(s)), s);
        }
        assertEquals("Entw&APw-rfe", ModifiedUtf7.encode("Entwürfe"));
        assertEquals("&2D3eAA-", ModifiedUtf7.encode("😀"));
        assertEquals("Tom &- Jerry", ModifiedUtf7.encode("Tom & Jerry"));
    }

    @Test
    void strict() {
        assertEquals("Unterminated & in mailbox name", refused("a&APw"));
        assertEquals("Invalid character in modified UTF-7 mailbox name", refused("&AP/-"));
        assertEquals("Invalid character in modified UTF-7 mailbox name", refused("&AP=-"));
        assertEquals("Modified UTF-7 encodes printable ASCII in mailbox name", refused("&AGE-"));
        assertEquals("Modified UTF-7 encodes printable ASCII in mailbox name", refused("&ACY-"));
        assertEquals("Non-canonical modified UTF-7 in mailbox name", refused("&APx-"), "padding bits set");
        assertEquals("Non-canonical modified UTF-7 in mailbox name", refused("&APwA-"), "a superfluous character");
        assertEquals("Non-canonical modified UTF-7 in mailbox name", refused("&AA-"), "no whole character");
        assertEquals("Non-canonical modified UTF-7 (adjacent encoded runs)", refused("&APw-&APw-"));
        assertEquals("Unpaired surrogate in mailbox name", refused("&2D0-"));
        assertEquals("Unpaired surrogate in mailbox name", refused("&3gA-"));
        assertEquals("Mailbox name is not 7-bit (modified UTF-7 expected)", refused("Entwürfe"));
        assertEquals("Mailbox name is not 7-bit (modified UTF-7 expected)", refused("a\rb"));
    }
}
