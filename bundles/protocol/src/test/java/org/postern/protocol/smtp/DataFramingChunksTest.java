package org.postern.protocol.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BDAT chunks through the same line checks as DATA, without dot-stuffing. */
class DataFramingChunksTest {
    @TempDir
    Path dir;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private String stored(Spool spool) throws IOException {
        return new String(spool.open().readAllBytes(), StandardCharsets.US_ASCII);
    }

    @Test
    void chunksSplitAnywhereAreStoredExactlyWithoutUnstuffing() throws IOException {
        try (Spool spool = new Spool(dir)) {
            DataFraming f = DataFraming.chunked(spool, 1000, false, 100);
            String message = "Subject: x\r\n\r\n.leading dot stays\r\n.\r\nlast";
            byte[] b = ascii(message);
            for (int i = 0; i < b.length; i += 3) {
                f.chunk(b, i, Math.min(3, b.length - i));
            }
            f.lastChunk();
            assertNull(f.refusal());
            assertEquals(message + "\r\n", stored(spool), "a last line without CRLF gets one");
        }
    }

    @Test
    void theDataChecksApply() throws IOException {
        assertEquals(DataFraming.Refusal.BARE_LF, refusal("a\nb\r\n", 1000, 100));
        assertEquals(DataFraming.Refusal.BARE_CR_OR_NUL, refusal("a\rb\r\n", 1000, 100));
        assertEquals(DataFraming.Refusal.LINE_TOO_LONG, refusal("x".repeat(99) + "\r\n", 1000, 100));
        assertNull(refusal("x".repeat(98) + "\r\n", 1000, 100));
        assertEquals(DataFraming.Refusal.TOO_BIG, refusal(("y".repeat(50) + "\r\n").repeat(30), 1000, 100));
    }

    private DataFraming.Refusal refusal(String content, long max, int line) throws IOException {
        try (Spool spool = new Spool(dir)) {
            DataFraming f = DataFraming.chunked(spool, max, false, line);
            byte[] b = ascii(content);
            f.chunk(b, 0, b.length);
            f.lastChunk();
            return f.refusal();
        }
    }

    @Test
    void bdatArgumentsParseStrictly() {
        assertEquals(new SmtpChunking.Bdat(100, false), SmtpChunking.parse("100"));
        assertEquals(new SmtpChunking.Bdat(0, true), SmtpChunking.parse("0 last"));
        assertNull(SmtpChunking.parse(""));
        assertNull(SmtpChunking.parse("-1"));
        assertNull(SmtpChunking.parse("1e3"));
        assertNull(SmtpChunking.parse("10 LAST x"));
        assertNull(SmtpChunking.parse("1".repeat(19)));
    }
}
