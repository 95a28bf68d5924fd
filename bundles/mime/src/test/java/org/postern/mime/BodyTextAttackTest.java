package org.postern.mime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * SEARCH BODY/TEXT against messages written to defeat it: text hidden from the search that every
 * reader shows, and inputs meant to make it throw, loop or cost far more than the message's size.
 */
class BodyTextAttackTest {
    private static final String CRLF = "\r\n";

    private static byte[] octets(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Searches with the structure as parsed and as read back from its stored form; both must agree. */
    private static boolean body(String message, String needle) throws IOException {
        byte[] raw = octets(message);
        MessageStructure parsed = MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
        boolean a = BodyText.contains(new ByteArrayInputStream(raw), parsed, needle, false);
        MessageStructure stored = MessageStructure.fromBytes(parsed.toBytes());
        boolean b = BodyText.contains(new ByteArrayInputStream(raw), stored, needle, false);
        assertEquals(a, b, "parsed and stored structure disagree");
        return a;
    }

    private static String bodyStructure(String message) throws IOException {
        byte[] raw = octets(message);
        return MessageStructure.parse(new ByteArrayInputStream(raw), raw.length).bodyStructure();
    }

    private static String utf8(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    /** One text part of a multipart, with these header lines and this (encoded) body. */
    private static String onePart(String partHeader, String partBody) {
        return "Content-Type: multipart/mixed; boundary=b" + CRLF + CRLF
                + "--b" + CRLF + partHeader + CRLF + partBody + CRLF
                + "--b--" + CRLF;
    }

    // ---- case folding ----

    @Test
    void supplementaryLettersMatchRegardlessOfCase() throws IOException {
        // Deseret, Osage, Adlam... have their case pairs outside the BMP: per char, their
        // surrogates fold to themselves and "𐐀" never found "𐐨".
        String m = "Content-Type: text/plain; charset=utf-8" + CRLF + CRLF
                + utf8("the word \uD801\uDC28\uD801\uDC2F\uD801\uDC2E here") + CRLF;
        assertTrue(body(m, "\uD801\uDC00\uD801\uDC07\uD801\uDC06"), "Deseret upper case finds lower case");
        assertTrue(body(m, "\uD801\uDC28\uD801\uDC2F\uD801\uDC2E"));
        assertFalse(body(m, "\uD801\uDC01"), "another letter is not found");
        // a pair split between two reads of the text
        CharMatcher matcher = new CharMatcher("\uD83A\uDD00"); // ADLAM CAPITAL ALIF
        char[] text = "x\uD83A\uDD22".toCharArray(); // ADLAM SMALL ALIF
        assertFalse(matcher.feed(text, 0, 2));
        assertTrue(matcher.feed(text, 2, 1), "the pair completes across feeds");
        matcher.reset();
        assertFalse(matcher.feed("\uD83A\uD83A\uDD21"), "a lone high surrogate is not half of the next pair");
    }

    // ---- header fields read as the parser reads them ----

    @Test
    void aLineTheParserDoesNotTakeForAFieldDoesNotChooseTheCharset() throws IOException {
        // The parser (BODYSTRUCTURE, what clients decode by) takes a colon only in a line's first
        // 80 octets: it sees charset=utf-8. The search took the first line too and read UTF-16.
        String m = onePart("Content-Type" + " ".repeat(90) + ": text/plain; charset=utf-16" + CRLF
                + "Content-Type: text/plain; charset=utf-8" + CRLF, "the hidden words");
        assertTrue(bodyStructure(m).contains("(\"charset\" \"utf-8\")"), bodyStructure(m));
        assertTrue(body(m, "hidden words"));
        String b64 = onePart("Content-Transfer-Encoding" + " ".repeat(80) + ": base64" + CRLF,
                "the hidden words");
        assertTrue(bodyStructure(b64).contains("\"7bit\""), bodyStructure(b64));
        assertTrue(body(b64, "hidden words"), "not base64 to the parser, so not to the search");
    }

    @Test
    void nulOctetsInAFieldAreDroppedAsTheParserDrops() throws IOException {
        String m = onePart("Content-Type: text/plain" + CRLF + "Content-Transfer-Encoding: base\0" + "64" + CRLF,
                Base64.getEncoder().encodeToString(octets("the hidden words")));
        assertTrue(bodyStructure(m).contains("\"base64\""), bodyStructure(m));
        assertTrue(body(m, "hidden words"));
    }

    @Test
    void aFieldIsCutWhereTheParserCutsIt() throws IOException {
        // The parser keeps 64 KiB of a field: the charset after that is not in BODYSTRUCTURE.
        String m = onePart("Content-Type: text/plain; x=" + "a".repeat(70_000) + "; charset=utf-16" + CRLF,
                "the hidden words");
        assertFalse(bodyStructure(m).contains("utf-16"));
        assertTrue(body(m, "hidden words"));
    }

    @Test
    void fieldsPastTheFirst256KiBOfAPartHeaderStillDecideTheDecoding() throws IOException {
        // The parser reads every field of a header, so BODYSTRUCTURE says base64 and readers decode
        // it; the search stopped at 256 KiB and looked for the base64 text as written.
        String pad = ("X-Pad: " + "a".repeat(990) + CRLF).repeat(300);
        String m = onePart("Content-Type: text/plain" + CRLF + pad
                + "Content-Transfer-Encoding: base64" + CRLF
                + "Content-Type: text/plain; charset=utf-16" + CRLF, // not the first: ignored
                Base64.getEncoder().encodeToString(octets("the hidden words")));
        assertTrue(bodyStructure(m).contains("\"base64\""), bodyStructure(m));
        assertTrue(body(m, "hidden words"));
        String cut = onePart("Content-Type: text/plain" + CRLF + pad + "Content-Type" + CRLF
                + " : text/plain; charset=utf-16" + CRLF, "the hidden words");
        assertTrue(body(cut, "hidden words"), "a line that is no field stays none past the cut");
    }

    @Test
    void fieldNeverReadsPastItsLine() {
        assertNull(BodyText.field(octets("content-type"), "content-type"));
        assertNull(BodyText.field(octets("content-type   "), "content-type"));
        assertNull(BodyText.field(octets("content-type\r\n: text/html\r\n"), "content-type"));
        assertNull(BodyText.field(octets("content-typ"), "content-type"));
        assertEquals("", BodyText.field(octets("Content-Type:"), "content-type"));
        assertEquals("text/html; charset=x", BodyText.field(octets("CONTENT-TYPE\t: text/html;\r\n charset=x\r\n"),
                "content-type"));
    }

    // ---- decoders at buffer boundaries (passed before the fixes; the buffers are now sized to the part) ----

    @Test
    void softLineBreaksAndEscapesDecodeWhereverTheBufferEnds() throws IOException {
        java.util.Random random = new java.util.Random(11);
        String[] pieces = {"=", "=\r\n", "=\n", "=" + " ".repeat(80) + "\r\n", "=" + " ".repeat(81) + "\n", "=\t \r",
            "=3D", "=e9", "=4", "==", " ", "\r\n", "x", "=\r", "QUJD", "/+9="};
        for (int round = 0; round < 400; round++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(3) == 0 ? 16_384 + random.nextInt(200) : random.nextInt(1200);
            while (b.length() < length) {
                b.append(pieces[random.nextInt(pieces.length)]);
            }
            byte[] encoded = octets(b.toString());
            for (long hint : new long[] {encoded.length, 1, 300, Long.MAX_VALUE}) {
                assertArrayEquals(referenceQuotedPrintable(encoded),
                        TransferDecoding.decoding(trickle(encoded, random), "quoted-printable", hint).readAllBytes());
                assertArrayEquals(referenceBase64(encoded),
                        TransferDecoding.decoding(trickle(encoded, random), "base64", hint).readAllBytes());
            }
        }
    }

    private static InputStream trickle(byte[] b, java.util.Random random) {
        return new ByteArrayInputStream(b) {
            @Override
            public synchronized int read(byte[] out, int off, int len) {
                return super.read(out, off, Math.min(len, 1 + random.nextInt(random.nextBoolean() ? 7 : 20_000)));
            }
        };
    }

    /** The documented quoted-printable rules over the whole input at once. */
    private static byte[] referenceQuotedPrintable(byte[] in) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int p = 0;
        while (p < in.length) {
            int hi = p + 1 < in.length ? Character.digit(in[p + 1], 16) : -1;
            int lo = p + 2 < in.length ? Character.digit(in[p + 2], 16) : -1;
            if (in[p] != '=') {
                out.write(in[p++]);
            } else if (hi >= 0 && lo >= 0) {
                out.write(hi << 4 | lo);
                p += 3;
            } else {
                int i = p + 1;
                while (i < in.length && i - p <= 80 && (in[i] == ' ' || in[i] == '\t')) {
                    i++;
                }
                if (i < in.length && in[i] == '\n') {
                    p = i + 1;
                } else if (i + 1 < in.length && in[i] == '\r' && in[i + 1] == '\n') {
                    p = i + 2;
                } else if (i == in.length) {
                    p = i;
                } else {
                    out.write(in[p++]);
                }
            }
        }
        return out.toByteArray();
    }

    /** Base64 as documented: other octets skipped, a new quantum after '='. */
    private static byte[] referenceBase64(byte[] in) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int bits = 0;
        int count = 0;
        for (byte x : in) {
            int v = alphabet.indexOf(x & 0xff);
            if (v >= 0) {
                bits = bits << 6 | v;
                count += 6;
                if (count >= 8) {
                    count -= 8;
                    out.write(bits >>> count);
                    bits &= (1 << count) - 1;
                }
            } else if (x == '=') {
                bits = 0;
                count = 0;
            }
        }
        return out.toByteArray();
    }

    // ---- hostile streams and structures ----

    @Test
    void aStreamShorterThanItsStructureOrOneThatWillNotSkipEndsTheSearch() throws IOException {
        String m = "Content-Type: multipart/mixed; boundary=b" + CRLF + CRLF
                + "--b" + CRLF + "Content-Type: image/png" + CRLF + CRLF + "x".repeat(50_000) + CRLF
                + "--b" + CRLF + "Content-Type: text/plain" + CRLF + "Content-Transfer-Encoding: quoted-printable"
                + CRLF + CRLF + "needle=" + CRLF + " here" + CRLF
                + "--b--" + CRLF;
        byte[] raw = octets(m);
        MessageStructure s = MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
        assertTrue(BodyText.contains(new NoSkip(raw), s, "needle here", false), "skip returning 0 is read over");
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (int cut = 0; cut < raw.length; cut += 997) {
                BodyText.contains(new NoSkip(Arrays.copyOf(raw, cut)), s, "needle", true);
            }
        });
    }

    /** Skips nothing, ever, and reads in small pieces. */
    private static final class NoSkip extends ByteArrayInputStream {
        NoSkip(byte[] b) {
            super(b);
        }

        @Override
        public synchronized long skip(long n) {
            return 0;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, 3));
        }
    }

    // ---- cost ----

    @Test
    void manyTinyTextPartsDoNotCostABufferSetEach() throws IOException {
        // 10,000 parts of a few octets each: fresh 16 KiB decoder buffers and 16 KiB char buffers
        // per part made a 450 KB message allocate ~400 MB and cost tens of milliseconds per SEARCH key.
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        StringBuilder m = new StringBuilder("Content-Type: multipart/mixed; boundary=q" + CRLF + CRLF);
        for (int i = 0; i < 10_000; i++) {
            m.append("--q").append(CRLF).append("Content-Transfer-Encoding: base64").append(CRLF).append(CRLF)
                    .append("eA==").append(CRLF);
        }
        m.append("--q--").append(CRLF);
        byte[] raw = octets(m.toString());
        MessageStructure s = MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
        BodyText.contains(new ByteArrayInputStream(raw), s, "zzz", false); // classes loaded
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        assertFalse(BodyText.contains(new ByteArrayInputStream(raw), s, "zzz", false));
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertTrue(allocated < 150L * 1024 * 1024, allocated / (1024 * 1024) + " MB for a " + raw.length + " octet message");
    }
}
