package org.postern.imap.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postern.mime.MessageStructure;

/**
 * FETCH answers ENVELOPE, BODYSTRUCTURE, BODY and the section ranges from the structure the
 * store kept when the message was filed, without reading the body; it parses the body only
 * when none is stored; and the answers are the same octets either way.
 */
class StoredStructureFetchTest extends ImapTestSupport {
    static final String REPORT = "Date: Mon, 2 Dec 2026 10:00:00 +0100\r\nFrom: Bob <bob@example.org>\r\n"
            + "To: alice@example.net\r\nSubject: Q4 report\r\nMessage-ID: <r@example.org>\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
            + "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n"
            + "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nFrom: c@example.com\r\n\r\ninner text\r\n"
            + "--b--\r\n";
    static final String EIGHT_BIT = "From: J\u00f6rg <j@example.de>\r\nSubject: Gr\u00fc\u00dfe\r\n\r\nhallo\r\n";
    static final String OTHER = "From: Mallory <m@example.com>\r\nSubject: something else entirely\r\n\r\n"
            + "not the message that was filed, but just as long as it was, so that RFC822.SIZE does not tell.\r\n";

    private static MessageStructure parse(String text) throws IOException {
        byte[] raw = text.getBytes(StandardCharsets.ISO_8859_1);
        return MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
    }

    @Test
    void envelopeAndStructureComeFromTheStoreWithoutReadingTheBody() throws Exception {
        store.ensureDefaultFolders(ALICE);
        store.deliver(ALICE, "INBOX", REPORT);
        // the body on disk now says something else: only a FETCH that reads it can tell
        String swapped = (OTHER + "x".repeat(REPORT.length())).substring(0, REPORT.length());
        store.replaceBody(ALICE, "INBOX", 1, swapped);
        MessageStructure filed = parse(REPORT);
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            int opens = store.opens.get();
            List<String> f = c.command("b", "UID FETCH 1 (ENVELOPE BODYSTRUCTURE BODY)");
            assertEquals("* 1 FETCH (UID 1 ENVELOPE " + filed.envelope() + " BODYSTRUCTURE " + filed.bodyStructure()
                    + " BODY " + filed.body() + ")", f.get(0));
            assertEquals("b OK FETCH completed", last(f));
            assertEquals(opens, store.opens.get(), "no body read for ENVELOPE, BODYSTRUCTURE or BODY");
            assertTrue(f.get(0).contains("\"Q4 report\""), f.get(0));

            // sections are the filed structure's ranges, over the octets now stored
            List<String> part = c.command("c", "UID FETCH 1 (BODY.PEEK[1])");
            int[] range = {(int) filed.part(1).orElseThrow().content().start(),
                    (int) filed.part(1).orElseThrow().content().end()};
            assertEquals("* 1 FETCH (UID 1 BODY[1] {" + (range[1] - range[0]) + "}", part.get(0));
            assertEquals(swapped.substring(range[0], range[1]) + ")", String.join("\r\n", part.subList(1, part.size() - 1)),
                    "the stored range, read from the body as it is now");

            // while BODY[] reads the body, and so shows what is there now
            List<String> all = c.command("d", "UID FETCH 1 (BODY.PEEK[])");
            assertTrue(all.contains("Subject: something else entirely"), all.toString());
        }
    }

    @Test
    void withoutAStoredStructureTheBodyIsParsed() throws Exception {
        store.keepStructures = false;
        store.ensureDefaultFolders(ALICE);
        store.deliver(ALICE, "INBOX", REPORT);
        String swapped = (OTHER + "x".repeat(REPORT.length())).substring(0, REPORT.length());
        store.replaceBody(ALICE, "INBOX", 1, swapped);
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            int opens = store.opens.get();
            List<String> f = c.command("b", "UID FETCH 1 (ENVELOPE)");
            assertEquals("* 1 FETCH (UID 1 ENVELOPE " + parse(swapped).envelope() + ")", f.get(0));
            assertEquals(opens + 1, store.opens.get(), "parsed from the body, once");
        }
    }

    @Test
    void aWholeFolderTakesOneStructureQueryPerBatchAndNoBody() throws Exception {
        store.ensureDefaultFolders(ALICE);
        int n = Fetching.STRUCTURE_BATCH + 20;
        for (int i = 0; i < n; i++) {
            store.deliver(ALICE, "INBOX", REPORT.replace("Q4 report", "report " + i));
        }
        try (Raw c = alice()) {
            c.command("a", "SELECT INBOX");
            int opens = store.opens.get();
            int queries = store.structureQueries.get();
            List<String> f = c.command("b", "FETCH 1:* (UID ENVELOPE)");
            assertEquals("b OK FETCH completed", last(f));
            assertEquals(n + 1, f.size());
            assertTrue(f.get(n - 1).contains("\"report " + (n - 1) + "\""), f.get(n - 1));
            assertEquals(opens, store.opens.get(), "no body read");
            assertEquals(queries + 2, store.structureQueries.get(), "two batches, not one query per message");
            // items that need no structure ask for none
            c.command("c", "FETCH 1:* (UID FLAGS RFC822.SIZE)");
            assertEquals(queries + 2, store.structureQueries.get());
        }
    }

    @Test
    void storedAndParsedAnswersAreTheSameOctets() throws Exception {
        List<String> messages = List.of(REPORT, EIGHT_BIT, "Subject: no MIME\r\n\r\nplain\r\n",
                "Content-Type: multipart/alternative; boundary=\"x\"\r\n\r\n--x\r\n\r\na\r\n--x\r\n"
                        + "Content-Type: text/html\r\n\r\n<p>a</p>\r\n--x--\r\n");
        String fetch = "FETCH 1:* (ENVELOPE BODYSTRUCTURE BODY BODY.PEEK[1] BODY.PEEK[2.HEADER] BODY.PEEK[2.TEXT] "
                + "BODY.PEEK[1.MIME] BODY.PEEK[2]<2.5>)";
        List<List<String>> answers = new ArrayList<>();
        List<Integer> opened = new ArrayList<>();
        for (boolean keep : new boolean[] {true, false}) {
            store.keepStructures = keep;
            String folder = keep ? "Stored" : "Parsed";
            store.ensureDefaultFolders(ALICE);
            for (String m : messages) {
                store.deliver(ALICE, folder, m);
            }
            try (Raw c = alice()) {
                c.command("a", "SELECT " + folder);
                int opens = store.opens.get();
                answers.add(c.command("b", fetch));
                opened.add(store.opens.get() - opens);
            }
        }
        assertTrue(last(answers.get(0)).startsWith("b OK"), answers.get(0).toString());
        assertEquals(answers.get(1), answers.get(0));
        assertEquals(messages.size(), opened.get(1) - opened.get(0), "parsing reads each body once more; sections read it either way");
        assertTrue(answers.get(0).stream().anyMatch(l -> l.contains("Gr\u00fc\u00dfe")), "8-bit text as a literal");
    }
}
