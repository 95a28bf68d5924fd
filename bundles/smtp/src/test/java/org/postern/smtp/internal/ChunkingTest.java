package org.postern.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * CHUNKING (RFC 3030) on the MX over a real socket: BDAT chunks of any content (line ends, a
 * "BDAT" or a lone dot inside them), pipelined, with the replies RFC 3030 asks for; the same
 * line checks as DATA; refusals after the chunk's octets have been read, never out of step.
 */
class ChunkingTest extends SmtpTestSupport {
    private static String bdat(String content, boolean last) {
        return "BDAT " + content.length() + (last ? " LAST" : "") + "\r\n" + content;
    }

    private String stored() throws IOException {
        return blobs.read(mailboxes.delivered.get(mailboxes.delivered.size() - 1).body());
    }

    @Test
    void aMessageInPipelinedChunksIsStoredExactly() throws IOException {
        String part1 = "Subject: chunks\r\n\r\n.a dot stays, no unstuffing\r\n.\r\nBDAT 5\r\n";
        String part2 = "and the end\r\n";
        try (RawClient c = ehlo()) {
            c.send("MAIL FROM:<sender@origin.example>\r\nRCPT TO:<alice@example.net>\r\n" + bdat(part1, false)
                    + bdat(part2, true) + "QUIT\r\n");
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertEquals("250 2.0.0 " + part1.length() + " octets received", c.reply());
            assertTrue(c.reply().matches("250 2\\.0\\.0 Ok: queued as [0-9A-F]{16}"));
            assertEquals("221 2.0.0 Bye", c.reply());
        }
        assertEquals(1, mailboxes.delivered.size());
        String stored = stored();
        assertTrue(stored.startsWith("Received: "), stored);
        assertTrue(stored.endsWith("\r\n" + part1 + part2), stored);
        assertEquals(stored.length(), mailboxes.delivered.get(0).size());
    }

    @Test
    void bdatZeroLastEndsTheMessageAndALastLineGetsItsCrlf() throws IOException {
        try (RawClient c = ehlo()) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<sender@origin.example>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"));
            c.send(bdat("Subject: x\r\n\r\nno line end", false));
            assertEquals("250 2.0.0 25 octets received", c.reply());
            assertTrue(c.command("BDAT 0 LAST").startsWith("250 2.0.0 Ok: queued as "));
        }
        assertTrue(stored().endsWith("\r\nSubject: x\r\n\r\nno line end\r\n"), stored());
    }

    @Test
    void chunksOutOfTurnAreReadAndRefusedAndTheSessionStaysInStep() throws IOException {
        try (RawClient c = ehlo()) {
            // the chunk's content would be commands if it were not read as octets
            c.send(bdat("RSET\r\nMAIL FROM:<x@y.example>\r\n", true));
            assertEquals("503 5.5.1 Error: need MAIL command", c.reply());
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<sender@origin.example>"));
            c.send(bdat("QUIT\r\n", false));
            assertEquals("503 5.5.1 Error: need RCPT command", c.reply());
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"));
            c.send(bdat("Subject: a\r\n\r\n", false));
            assertEquals("250 2.0.0 14 octets received", c.reply());
            assertEquals("503 5.5.1 Error: DATA after BDAT in one transaction", c.command("DATA"));
            assertTrue(c.command("BDAT 0 LAST").startsWith("250 2.0.0 Ok: queued as "));
            assertEquals("250 2.0.0 Ok", c.command("NOOP"));
        }
        assertEquals(1, mailboxes.delivered.size());
    }

    @Test
    void theDataLineChecksApplyAndAnOversizedChunkIsRefusedAfterItIsRead() throws IOException {
        maxMessageSize = 2048;
        restart();
        try (RawClient c = ehlo()) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<sender@origin.example>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"));
            c.send(bdat("Subject: a\r\n\r\nbare\nLF\r\n", true));
            assertEquals("554 5.6.0 Message refused: bare LF; lines must end with CRLF (RFC 5321 section 2.3.8)", c.reply());
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<sender@origin.example>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"));
            c.send(bdat(("z".repeat(98) + "\r\n").repeat(30), false));
            assertEquals("552 5.3.4 Message size exceeds fixed maximum message size", c.reply());
            c.send(bdat("more\r\n", true));
            assertEquals("503 5.5.1 Error: need MAIL command", c.reply(), "the refused transaction is over");
        }
        assertEquals(0, mailboxes.delivered.size());
        assertEquals(0, files(settings().spoolDirectory()));
    }

    @Test
    void aBadChunkSizeEndsTheSession() throws IOException {
        try (RawClient c = ehlo()) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<sender@origin.example>"));
            c.send("BDAT lots\r\n");
            assertEquals("501 5.5.4 Syntax: BDAT chunk-size [LAST]", c.reply());
            assertTrue(c.reply().startsWith("421 4.5.0 "));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aBdatLineInsideDataIsMessageText() throws IOException {
        try (RawClient c = ehlo()) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<sender@origin.example>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<alice@example.net>"));
            assertEquals("354 End data with <CR><LF>.<CR><LF>", c.command("DATA"));
            assertTrue(c.command("Subject: d\r\n\r\nBDAT 7\r\nsmuggle\r\n.").startsWith("250 2.0.0 Ok: queued as "));
            assertEquals("250 2.0.0 Ok", c.command("NOOP"));
        }
        assertTrue(stored().endsWith("\r\nBDAT 7\r\nsmuggle\r\n"), stored());
    }

    private static long files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
