package org.postern.mime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bounded time and memory on input built to hurt; nothing here throws but a short stream. */
class HostileInputTest {
    private static final Duration LIMIT = Duration.ofSeconds(20);

    @Test
    void hundredThousandNestedMultiparts() {
        int levels = 100_000;
        StringBuilder b = new StringBuilder("Subject: deep\r\n");
        for (int i = 0; i < levels; i++) {
            b.append("Content-Type: multipart/mixed; boundary=\"b").append(i).append("\"\r\n\r\n--b").append(i).append("\r\n");
        }
        b.append("Content-Type: text/plain\r\n\r\nbottom\r\n");
        for (int i = levels - 1; i >= 0; i--) {
            b.append("--b").append(i).append("--\r\n");
        }
        byte[] raw = b.toString().getBytes(StandardCharsets.US_ASCII);
        MessageStructure m = assertTimeoutPreemptively(LIMIT, () -> parse(raw));
        assertTrue(maxNesting(m.bodyStructure()) <= StructureParser.MAX_DEPTH + 5, "nesting bounded");
        assertTrue(m.bodyStructure().contains("\"application\" \"octet-stream\""), "the level past the limit is opaque");
        // part 1.1.1... down to the limit exists, and ranges stay inside the message
        int[] path = new int[StructureParser.MAX_DEPTH];
        java.util.Arrays.fill(path, 1);
        Part deepest = m.part(path).orElseThrow();
        assertTrue(deepest.content().end() <= raw.length);
        assertTrue(m.part(new int[StructureParser.MAX_DEPTH + 1]).isEmpty());
    }

    @Test
    void hundredThousandNestedMessages() {
        int levels = 100_000;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < levels; i++) {
            b.append("Subject: ").append(i).append("\r\nContent-Type: message/rfc822\r\n\r\n");
        }
        b.append("Subject: last\r\n\r\nbody\r\n");
        byte[] raw = b.toString().getBytes(StandardCharsets.US_ASCII);
        MessageStructure m = assertTimeoutPreemptively(LIMIT, () -> parse(raw));
        assertTrue(maxNesting(m.bodyStructure()) <= 3 * StructureParser.MAX_DEPTH + 10);
        assertEquals(raw.length, m.part().orElseThrow().content().end());
    }

    @Test
    void tooManyPartsEndInText() {
        StringBuilder b = new StringBuilder("Content-Type: multipart/mixed; boundary=x\r\n\r\n");
        for (int i = 0; i < 30_000; i++) {
            b.append("--x\r\n\r\n").append(i).append("\r\n");
        }
        b.append("--x--\r\n");
        byte[] raw = b.toString().getBytes(StandardCharsets.US_ASCII);
        MessageStructure m = assertTimeoutPreemptively(LIMIT, () -> parse(raw));
        assertTrue(m.part(StructureParser.MAX_PARTS - 1).isPresent());
        assertTrue(m.part(StructureParser.MAX_PARTS).isEmpty());
        assertEquals(raw.length, m.part(new int[0]).orElseThrow().text().orElseThrow().end());
    }

    @Test
    void boundaryNeverClosed() throws IOException {
        byte[] raw = ("Content-Type: multipart/mixed; boundary=never\r\n\r\npreamble only\r\n--nevermind? no: --other\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        MessageStructure m = parse(raw);
        // no part: an empty text/plain stands in, as the grammar needs one
        assertEquals("((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")", m.body());
        byte[] open = ("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nrest\r\nof it")
                .getBytes(StandardCharsets.US_ASCII);
        MessageStructure o = parse(open);
        Part p = o.part(1).orElseThrow();
        assertEquals("rest\r\nof it", new String(DovecotComparisonTest.bytes(open, p.content()), StandardCharsets.US_ASCII));
        assertEquals(1, p.lines());
    }

    @Test
    void twentyMegabyteBodyIsStreamed() {
        long body = 20L * 1024 * 1024;
        byte[] head = ("Content-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "\r\n--z--\r\n".getBytes(StandardCharsets.US_ASCII);
        long size = head.length + body + tail.length;
        MessageStructure m = assertTimeoutPreemptively(LIMIT, () -> MessageStructure.parse(
                new SequenceInputStream(Collections.enumeration(List.of(new ByteArrayInputStream(head),
                        new Lines(body, 76), new ByteArrayInputStream(tail)))), size));
        Part p = m.part(1).orElseThrow();
        assertEquals(body, p.content().length());
        assertEquals(head.length, p.content().start());
        assertEquals(size, m.size());
        // and one 20 MB line without a line break
        MessageStructure one = assertTimeoutPreemptively(LIMIT, () -> MessageStructure.parse(
                new SequenceInputStream(new ByteArrayInputStream("Subject: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)),
                        new Lines(body, Integer.MAX_VALUE)), 14 + body));
        assertEquals("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" " + body + " 0)", one.body());
    }

    @Test
    void hugeHeaderFieldIsCapped() {
        StringBuilder b = new StringBuilder("Subject: start");
        for (int i = 0; i < 200_000; i++) {
            b.append("\r\n word").append(i);
        }
        b.append("\r\nTo: ");
        for (int i = 0; i < 100_000; i++) {
            b.append("u").append(i).append("@x.test, ");
        }
        b.append("\r\n\r\nbody\r\n");
        byte[] raw = b.toString().getBytes(StandardCharsets.US_ASCII);
        MessageStructure m = assertTimeoutPreemptively(LIMIT, () -> parse(raw));
        assertTrue(m.envelope().length() < 4 * StructureParser.MAX_FIELD, "kept text is capped");
    }

    @Test
    void shortStreamIsAnError() {
        byte[] raw = "Subject: x\r\n\r\nbody".getBytes(StandardCharsets.US_ASCII);
        assertThrows(EOFException.class, () -> MessageStructure.parse(new ByteArrayInputStream(raw), raw.length + 1));
    }

    @Test
    void manyDashLinesAgainstManyBoundaries() {
        // 100 open boundaries sharing a long prefix, then 5 MB of lines that almost match them
        StringBuilder b = new StringBuilder();
        String prefix = "x".repeat(60);
        for (int i = 0; i < 100; i++) {
            b.append("Content-Type: multipart/mixed; boundary=").append(prefix).append(i).append("\r\n\r\n--")
                    .append(prefix).append(i).append("\r\n");
        }
        b.append("\r\n");
        String almost = "--" + prefix + "\r\n";
        b.append(almost.repeat(5 * 1024 * 1024 / almost.length()));
        byte[] raw = b.toString().getBytes(StandardCharsets.US_ASCII);
        assertTimeoutPreemptively(LIMIT, () -> parse(raw));
    }

    private static MessageStructure parse(byte[] raw) throws IOException {
        return MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
    }

    private static int maxNesting(String s) {
        int depth = 0;
        int max = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                max = Math.max(max, ++depth);
            } else if (c == ')') {
                depth--;
            }
        }
        return max;
    }

    /** {@code n} octets of base64-looking text in CRLF lines of {@code width}, generated, never stored. */
    private static final class Lines extends InputStream {
        private final long n;
        private final long period;
        private long pos;

        Lines(long n, int width) {
            this.n = n;
            this.period = (long) width + 2;
        }

        @Override
        public int read() {
            if (pos >= n) {
                return -1;
            }
            long i = pos++ % period;
            return i < period - 2 ? 'A' : i == period - 2 ? 13 : 10;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= n) {
                return -1;
            }
            int k = (int) Math.min(len, n - pos);
            for (int i = 0; i < k; i++) {
                b[off + i] = (byte) read();
            }
            return k;
        }
    }
}
