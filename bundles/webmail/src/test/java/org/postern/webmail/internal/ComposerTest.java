package org.postern.webmail.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postern.mime.ReadableMessage;

/** What the compose form makes: no header injection, encoded words, and a message readers decode back. */
class ComposerTest {
    private static final ZonedDateTime NOW = ZonedDateTime.of(2026, 12, 4, 7, 30, 0, 0, ZoneOffset.UTC);

    @Test
    void addressListsAsPeopleTypeThem() {
        List<Composer.Mailbox> l = Composer.parseList("Ann <a@example.com>, b@example.org; \"Doe, John\" <j@example.net>");
        assertEquals(3, l.size());
        assertEquals(new Composer.Mailbox("Ann", "a@example.com"), l.get(0));
        assertEquals(new Composer.Mailbox("", "b@example.org"), l.get(1));
        assertEquals(new Composer.Mailbox("Doe, John", "j@example.net"), l.get(2));
        assertEquals("\"Doe, John\" <j@example.net>", l.get(2).header());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Composer.parseList("a@example.com, not an address"));
        assertEquals("not a mail address: not an address", e.getMessage());
        assertTrue(Composer.parseList(" , ").isEmpty());
    }

    @Test
    void nothingTypedStartsAHeaderFieldOfItsOwn() {
        String subject = "hi\r\nBcc: victim@example.org\r\n\r\nbody";
        byte[] m = Composer.build(new Composer.Mailbox("Me\r\nX-Evil: 1", "me@example.net"),
                Composer.parseList("you@example.org"), List.of(), List.of(), subject, "text", List.of(), "<a@b>\r\nX-Injected: 1", "", NOW, "example.net");
        String s = new String(m, StandardCharsets.UTF_8);
        String header = s.substring(0, s.indexOf("\r\n\r\n"));
        for (String line : header.split("\r\n")) {
            assertFalse(line.startsWith("Bcc:") || line.startsWith("X-Evil") || line.startsWith("X-Injected"), header);
        }
        assertTrue(header.contains("Subject: hi  Bcc: victim@example.org    body"), header);
    }

    @Test
    void aMessageWithNonAsciiTextAndAnAttachmentReadsBackAsWritten() throws Exception {
        String body = "Grüße aus Köln.\n.\nFrom the start of a line\n" + "long ".repeat(40) + "end\n";
        byte[] m = Composer.build(new Composer.Mailbox("Jürgen Müller", "j@example.net"), Composer.parseList("Ann <a@example.com>"),
                Composer.parseList("c@example.org"), List.of(), "Grüße — ünïcode subject that is rather long and needs more than one encoded word",
                body, List.of(new Composer.Attachment("bericht ü.txt", "text/plain", "inhalt".getBytes(StandardCharsets.UTF_8))),
                "<x@y>", "<w@y> <x@y>", NOW, "example.net");
        String raw = new String(m, StandardCharsets.US_ASCII);
        for (String line : raw.split("\r\n")) {
            assertTrue(line.length() <= 998, line);
        }
        assertTrue(raw.chars().allMatch(c -> c < 0x80), "7-bit on the wire");
        ReadableMessage r = ReadableMessage.of(m, 100_000);
        assertEquals("\"Jürgen Müller\" <j@example.net>".replace("\"", ""), r.header("From").replace("\"", ""));
        assertEquals("Grüße — ünïcode subject that is rather long and needs more than one encoded word", r.header("Subject"));
        assertEquals("\"Ann\" <a@example.com>", r.header("To"));
        assertEquals("c@example.org", r.header("Cc"));
        assertEquals("<x@y>", r.header("In-Reply-To"));
        assertEquals(body.replace("\n", "\r\n"), r.text());
        assertEquals(1, r.attachments().size());
        assertEquals("bericht ü.txt", r.attachments().get(0).fileName(), "the RFC 2231 name, not the ASCII fallback");
        assertTrue(r.header("Message-ID").matches("<[0-9a-f]{32}@example\\.net>"), r.header("Message-ID"));
        assertTrue(r.header("Date").startsWith("Fri, 4 Dec 2026 07:30:00 +0000"), r.header("Date"));
    }
}
