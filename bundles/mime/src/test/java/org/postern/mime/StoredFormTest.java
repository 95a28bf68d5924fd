package org.postern.mime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The stored form answers exactly what a fresh parse answers (ENVELOPE, BODYSTRUCTURE, BODY and
 * every section's ranges), for the Dovecot corpus and for messages built to hurt; and a stored
 * form that is truncated, corrupt, of another version or beyond the parser's limits is refused
 * with {@link IllegalArgumentException}, never answered wrongly or with a deep recursion.
 */
class StoredFormTest {
    @ParameterizedTest
    @ValueSource(strings = {"plain", "alternative", "mixed", "forward", "signed", "nomime", "rfc2231", "encoded",
            "groups", "eightbit", "digest", "toprfc822", "barelf", "edge", "padding", "empty", "addrs"})
    void corpusRoundTrips(String name) throws IOException {
        MessageStructure parsed = DovecotComparisonTest.parse(name);
        byte[] stored = parsed.toBytes();
        assertEquals(MessageStructure.FORMAT_VERSION, stored[0], "the first octet is the format version");
        MessageStructure read = MessageStructure.fromBytes(stored);
        assertSame(parsed, read);
        assertArrayEquals(stored, read.toBytes(), "writing what was read gives the same octets");
        // compact: the three response texts, plus a few octets per part (its offsets, its media type once)
        int texts = parsed.envelope().length() + parsed.bodyStructure().length() + parsed.body().length();
        assertTrue(stored.length < texts + 16 + 32 * paths(parsed).size(),
                name + ": " + stored.length + " octets for " + texts + " of text");
    }

    @Test
    void sectionsOfTheStoredFormAreTheDovecotCheckedOctets() throws IOException {
        byte[] raw = DovecotComparisonTest.resource("forward.eml");
        MessageStructure read = MessageStructure.fromBytes(DovecotComparisonTest.parse("forward").toBytes());
        for (String section : List.of("1", "2", "2.1", "2.2", "2.HEADER", "2.TEXT", "1.MIME", "2.2.MIME")) {
            byte[] expected = DovecotComparisonTest.resource("sections/forward." + section + ".bin");
            Range r = DovecotComparisonTest.Sections.resolve(read, section);
            assertArrayEquals(expected, DovecotComparisonTest.bytes(raw, r), section);
        }
    }

    @Test
    void hostileMessagesRoundTrip() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            // 100,000 nested multiparts: cut at the depth limit
            StringBuilder b = new StringBuilder("Subject: deep\r\n");
            for (int i = 0; i < 100_000; i++) {
                b.append("Content-Type: multipart/mixed; boundary=\"b").append(i).append("\"\r\n\r\n--b").append(i)
                        .append("\r\n");
            }
            b.append("Content-Type: text/plain\r\n\r\nbottom\r\n");
            roundTrip(b.toString());
            // 100,000 nested messages
            b.setLength(0);
            for (int i = 0; i < 100_000; i++) {
                b.append("Subject: ").append(i).append("\r\nContent-Type: message/rfc822\r\n\r\n");
            }
            b.append("Subject: last\r\n\r\nbody\r\n");
            roundTrip(b.toString());
            // 30,000 parts: cut at the parts limit
            b.setLength(0);
            b.append("Content-Type: multipart/mixed; boundary=x\r\n\r\n");
            for (int i = 0; i < 30_000; i++) {
                b.append("--x\r\nContent-Type: text/plain; name=p").append(i).append("\r\n\r\nbody ").append(i)
                        .append("\r\n");
            }
            b.append("--x--\r\n");
            MessageStructure many = roundTrip(b.toString());
            assertTrue(many.part(StructureParser.MAX_PARTS - 1).isPresent());
            // parts nested in messages nested in parts, alternating
            b.setLength(0);
            for (int i = 0; i < 300; i++) {
                b.append("Content-Type: multipart/mixed; boundary=m").append(i).append("\r\n\r\n--m").append(i)
                        .append("\r\nContent-Type: message/rfc822\r\n\r\n");
            }
            b.append("\r\nend\r\n");
            roundTrip(b.toString());
        });
    }

    @Test
    void eightBitHeaderTextSurvives() throws IOException {
        byte[] raw = ("Subject: Gr\u00fc\u00dfe \u00e9t\u00e9\r\nFrom: J\u00f6rg <j@x.test>\r\n\r\nhi\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        MessageStructure parsed = MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
        MessageStructure read = MessageStructure.fromBytes(parsed.toBytes());
        assertArrayEquals(parsed.envelopeBytes(), read.envelopeBytes());
        assertTrue(read.envelope().contains("Gr\u00fc\u00dfe"));
    }

    @Test
    void everyTruncationIsRefused() throws IOException {
        byte[] stored = DovecotComparisonTest.parse("forward").toBytes();
        for (int n = 0; n < stored.length; n++) {
            byte[] cut = Arrays.copyOf(stored, n);
            assertThrows(IllegalArgumentException.class, () -> MessageStructure.fromBytes(cut), "cut at " + n);
        }
        byte[] longer = Arrays.copyOf(stored, stored.length + 1);
        assertThrows(IllegalArgumentException.class, () -> MessageStructure.fromBytes(longer), "octets left over");
        assertThrows(IllegalArgumentException.class, () -> MessageStructure.fromBytes(null));
    }

    @Test
    void anotherVersionIsRefused() throws IOException {
        byte[] stored = DovecotComparisonTest.parse("mixed").toBytes();
        stored[0] = (byte) (MessageStructure.FORMAT_VERSION + 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MessageStructure.fromBytes(stored));
        assertTrue(e.getMessage().contains("format"), e.getMessage());
    }

    @Test
    void corruptionIsRefusedOrHarmless() throws IOException {
        byte[] stored = DovecotComparisonTest.parse("mixed").toBytes();
        Random random = new Random(8);
        for (int i = 0; i < 20_000; i++) {
            byte[] bad = stored.clone();
            for (int k = 0; k <= random.nextInt(3); k++) {
                bad[1 + random.nextInt(bad.length - 1)] = (byte) random.nextInt(256);
            }
            MessageStructure m;
            try {
                m = MessageStructure.fromBytes(bad);
            } catch (IllegalArgumentException refused) {
                continue;
            }
            // read anyway (a flipped text octet or LF count): every range still lies inside the message
            for (int[] path : paths(m)) {
                Part p = m.part(path).orElseThrow();
                assertTrue(p.content().end() <= m.size() && p.mime().end() <= m.size());
            }
        }
    }

    @Test
    void nestingBeyondTheParsersIsRefusedWithoutRecursingDeep() {
        // a hand-made stored form: 100,000 message/rfc822 parts inside each other
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(MessageStructure.FORMAT_VERSION);
        StoredForm.varint(out, 10);
        for (int i = 0; i < 3; i++) {
            StoredForm.varint(out, 0); // three empty texts
        }
        for (int i = 0; i < 100_000; i++) {
            out.write(StoredForm.MESSAGE);
            for (int k = 0; k < 4; k++) {
                StoredForm.varint(out, 0);
            }
            StoredForm.varint(out, i == 0 ? 0 : 1);
            if (i == 0) {
                StoredForm.varint(out, 1);
                out.write('m');
            }
            StoredForm.varint(out, 1);
        }
        byte[] bomb = out.toByteArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MessageStructure.fromBytes(bomb));
        assertTrue(e.getMessage().contains("deeper"), e.getMessage());
    }

    @Test
    void aPartPastTheMessageIsRefused() throws IOException {
        MessageStructure m = DovecotComparisonTest.parse("plain");
        byte[] stored = m.toBytes();
        // the size is the second field: make it 1 (its varint is rewritten in place when short)
        byte[] small = rewriteSize(stored, 1);
        assertThrows(IllegalArgumentException.class, () -> MessageStructure.fromBytes(small));
    }

    @Test
    void equalityFollowsTheAnswers() throws IOException {
        assertEquals(DovecotComparisonTest.parse("mixed"), DovecotComparisonTest.parse("mixed"));
        assertNotEquals(DovecotComparisonTest.parse("mixed"), DovecotComparisonTest.parse("plain"));
    }

    // ---- helpers ----

    private static MessageStructure roundTrip(String message) throws IOException {
        byte[] raw = message.getBytes(StandardCharsets.ISO_8859_1);
        MessageStructure parsed = MessageStructure.parse(new ByteArrayInputStream(raw), raw.length);
        MessageStructure read = MessageStructure.fromBytes(parsed.toBytes());
        assertSame(parsed, read);
        return read;
    }

    /** Same answers for everything, every section included. */
    private static void assertSame(MessageStructure expected, MessageStructure actual) {
        assertEquals(expected.size(), actual.size());
        assertEquals(expected.envelope(), actual.envelope());
        assertEquals(expected.bodyStructure(), actual.bodyStructure());
        assertEquals(expected.body(), actual.body());
        List<int[]> paths = paths(expected);
        assertEquals(paths.size(), paths(actual).size(), "same parts");
        for (int[] path : paths) {
            Part e = expected.part(path).orElseThrow();
            Part a = actual.part(path).orElseThrow();
            String at = Arrays.toString(path);
            assertEquals(e.content(), a.content(), at);
            assertEquals(e.mime(), a.mime(), at);
            assertEquals(e.header(), a.header(), at);
            assertEquals(e.text(), a.text(), at);
            assertEquals(e.type(), a.type(), at);
            assertEquals(e.subtype(), a.subtype(), at);
            assertEquals(e.lines(), a.lines(), at);
            // one past the last part is absent in both
            int[] next = Arrays.copyOf(path, path.length + 1);
            next[path.length] = 1_000_000;
            assertEquals(Optional.empty(), actual.part(next).map(Part::path));
        }
        assertEquals(expected, actual);
    }

    /** Every section path of the message, the empty path first (iterative: messages can be deep). */
    static List<int[]> paths(MessageStructure m) {
        List<int[]> out = new ArrayList<>();
        List<int[]> todo = new ArrayList<>();
        todo.add(new int[0]);
        while (!todo.isEmpty()) {
            int[] p = todo.remove(todo.size() - 1);
            if (m.part(p).isEmpty()) {
                continue;
            }
            out.add(p);
            for (int k = 1; ; k++) {
                int[] c = Arrays.copyOf(p, p.length + 1);
                c[p.length] = k;
                if (m.part(c).isEmpty()) {
                    break;
                }
                todo.add(c);
            }
        }
        return out;
    }

    private static byte[] rewriteSize(byte[] stored, long size) {
        int pos = 1;
        while ((stored[pos] & 0x80) != 0) {
            pos++;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(stored[0]);
        StoredForm.varint(out, size);
        out.write(stored, pos + 1, stored.length - pos - 1);
        return out.toByteArray();
    }
}
