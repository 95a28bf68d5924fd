package org.postern.pop3.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BodyStreamTest {
    private static String stream(String message, long lines, int chunk) throws IOException {
        BodyStream s = new BodyStream(new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)), lines);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b;
        while ((b = s.next(chunk)) != null) {
            out.write(b);
        }
        assertNull(s.next(chunk));
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void dotStuffingAndLineEndsWhateverTheChunkSize() throws IOException {
        String in = ".a\r\nb\n..c\r\n\r\n.\r\nend";
        String out = "..a\r\nb\r\n...c\r\n\r\n..\r\nend\r\n.\r\n";
        for (int chunk : new int[] {1, 2, 3, 7, 8192}) {
            assertEquals(out, stream(in, BodyStream.ALL, chunk), "chunk " + chunk);
        }
    }

    @Test
    void emptyAndTerminatedMessages() throws IOException {
        assertEquals(".\r\n", stream("", BodyStream.ALL, 10));
        assertEquals("x\r\n.\r\n", stream("x\r\n", BodyStream.ALL, 10));
        assertEquals("x\r\n.\r\n", stream("x\r", BodyStream.ALL, 10), "a last CR gets its LF");
        assertEquals("a\rb\r\n.\r\n", stream("a\rb\r\n", BodyStream.ALL, 10), "a bare CR stays inside its line");
    }

    @Test
    void topSendsTheHeaderTheBlankLineAndNLines() throws IOException {
        String m = "A: 1\r\nB: 2\r\n\r\none\r\n.two\r\nthree\r\n";
        assertEquals("A: 1\r\nB: 2\r\n\r\n.\r\n", stream(m, 0, 4));
        assertEquals("A: 1\r\nB: 2\r\n\r\none\r\n...two\r\n.\r\n".replace("...two", "..two"), stream(m, 2, 4));
        assertEquals("A: 1\r\nB: 2\r\n\r\none\r\n..two\r\nthree\r\n.\r\n", stream(m, 99, 4));
        assertEquals("A: 1\r\nB: 2\r\n.\r\n", stream("A: 1\r\nB: 2", 5, 3), "no body at all: the whole header");
        assertEquals("A: 1\r\n\r\none\r\n.\r\n", stream("A: 1\n\none\ntwo\n", 1, 3), "bare LF messages too");
    }
}
