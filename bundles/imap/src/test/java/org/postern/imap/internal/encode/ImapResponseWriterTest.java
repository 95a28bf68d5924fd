package org.postern.imap.internal.encode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImapResponseWriterTest {
    private final ImapResponseWriter w = new ImapResponseWriter();

    @Test
    void statusLinesAndContinuation() {
        w.status("a1", "OK", "READ-WRITE", "SELECT completed");
        w.status(null, "BYE", null, "Logging out");
        w.continuation("Ready for literal data");
        assertEquals("a1 OK [READ-WRITE] SELECT completed\r\n* BYE Logging out\r\n+ Ready for literal data\r\n", w.toString());
        assertThrows(IllegalArgumentException.class, () -> w.tagged("a b"));
    }

    @Test
    void stringsAreQuotedOrLiterals() {
        w.string("plain").sp().string("say \"hi\" \\o/").sp().string("two\r\nlines").sp().string("Grüße").sp().string("");
        assertEquals("\"plain\" \"say \\\"hi\\\" \\\\o/\" {10}\r\ntwo\r\nlines {7}\r\nGrüße \"\"",
                new String(w.toByteArray(), StandardCharsets.UTF_8));
        w.reset().string("x".repeat(ImapResponseWriter.MAX_QUOTED + 1));
        assertEquals("{1025}\r\n", w.toString().substring(0, 8));
    }

    @Test
    void astringAndNstring() {
        w.astring("INBOX").sp().astring("with space").sp().astring("").sp().astring("nil").sp().astring("a]b")
                .sp().nstring(null).sp().nstring("x").sp().astring("50%");
        assertEquals("INBOX \"with space\" \"\" \"nil\" a]b NIL \"x\" \"50%\"", w.toString());
    }

    @Test
    void mailboxNamesInModifiedUtf7() {
        w.untagged().atom("LIST").sp().open().atom("\\HasNoChildren").close().sp().string("/").sp().mailbox("Entwürfe")
                .sp().mailbox("Tom & Jerry").sp().mailbox("Sent").end();
        assertEquals("* LIST (\\HasNoChildren) \"/\" Entw&APw-rfe \"Tom &- Jerry\" Sent\r\n", w.toString());
    }

    @Test
    void fetchLineWithStreamedLiteralHeader() {
        w.untagged().number(12).sp().atom("FETCH").sp().open().atom("FLAGS").sp().flags(List.of("\\Seen", "$Forwarded"))
                .sp().atom("BODY[]").sp().literalHeader(25L * 1024 * 1024);
        assertEquals("* 12 FETCH (FLAGS (\\Seen $Forwarded) BODY[] {26214400}\r\n", w.toString());
        w.reset().text("bad\r\nline é");
        assertEquals("bad??line ?", w.toString());
    }
}
