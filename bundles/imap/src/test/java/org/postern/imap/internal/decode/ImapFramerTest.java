package org.postern.imap.internal.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postern.imap.internal.decode.Events.ascii;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImapFramerTest {
    @TempDir
    Path spoolDir;

    private final Events events = new Events();

    private ImapFramer framer() {
        return framer(Limits.defaults());
    }

    private ImapFramer framer(Limits limits) {
        return new ImapFramer(limits, new TempFileSpool(spoolDir), events);
    }

    private long spoolFiles() throws IOException {
        if (!Files.isDirectory(spoolDir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(spoolDir)) {
            return s.count();
        }
    }

    @Test
    void pipelinedLinesAreFramedOneByOne() {
        ImapFramer f = framer();
        f.feed(ascii("a1 CAPABILITY\r\na2 NOOP\r\n\r\na3 LOGOUT\r\n"));
        assertEquals(List.of("R a1 CAPABILITY", "R a2 NOOP", "R a3 LOGOUT"), events.log);
    }

    @Test
    void bareLfEndsALineToo() {
        ImapFramer f = framer();
        f.feed(ascii("a1 NOOP\na2 NOOP\r\n"));
        assertEquals(List.of("R a1 NOOP", "R a2 NOOP"), events.log);
    }

    @Test
    void synchronizingLiteralIsByteExactAndAskedFor() throws IOException {
        ImapFramer f = framer();
        byte[] secret = {'p', '\r', '\n', 0, (byte) 0xff, (byte) 0xe9, '}', '{'};
        f.feed(ascii("a1 LOGIN {5}\r\n"));
        assertEquals(List.of("+"), events.log);
        f.feed(ascii("alice {8}\r\n"));
        assertEquals(List.of("+", "+"), events.log);
        f.feed(secret, 0, secret.length);
        f.feed(ascii("\r\n"));
        assertEquals(1, events.requests.size());
        FramedRequest r = events.requests.get(0);
        assertEquals(3, r.lineCount());
        assertEquals("a1 LOGIN {5}", r.firstLine());
        assertArrayEquals(ascii("alice"), r.literals().get(0).open().readAllBytes());
        assertArrayEquals(secret, r.literals().get(1).open().readAllBytes());
        assertEquals(0, r.line(2).length);
    }

    @Test
    void byteAtATimeGivesTheSameRequests() {
        byte[] in = ascii("A1 UID FETCH 1:* (FLAGS)\r\nA2 LOGIN {3+}\r\nbob {4}\r\n\r\n\r\n\r\nA3 NOOP\r\n");
        ImapFramer f = framer();
        for (byte b : in) {
            f.feed(new byte[] {b}, 0, 1);
        }
        assertEquals(List.of("R A1 UID FETCH 1:* (FLAGS)", "+", "R A2 LOGIN {3+}<3 octets> {4}<4 octets>", "R A3 NOOP"),
                events.log);
        assertArrayEquals(ascii("\r\n\r\n"), ((MemoryLiteral) events.requests.get(1).literals().get(1)).bytes());
    }

    @Test
    void emptyLiteralStillNeedsItsContinuation() {
        ImapFramer f = framer();
        f.feed(ascii("a SEARCH TEXT {0}\r\n\r\n"));
        assertEquals(List.of("+", "R a SEARCH TEXT {0}<0 octets>"), events.log);
    }

    @Test
    void literalBombsNeverAllocate() {
        ImapFramer f = framer();
        f.feed(ascii("a1 LOGIN {4294967295}\r\n"));
        f.feed(ascii("a2 LOGIN {99999999999999999999}\r\n"));
        f.feed(ascii("a3 APPEND INBOX {99999999999999999999}\r\n"));
        f.feed(ascii("a4 APPEND INBOX {4294967295}\r\n"));
        f.feed(ascii("a5 NOOP\r\n"));
        assertEquals(List.of(
                "a1 BAD [TOOBIG] Literal too large",
                "a2 BAD [TOOBIG] Literal too large",
                "a3 NO [TOOBIG] Message too large",
                "a4 NO [TOOBIG] Message too large",
                "R a5 NOOP"), events.log);
        assertEquals(0, events.continuations);
    }

    @Test
    void nonSynchronizingBombEndsTheSession() {
        ImapFramer f = framer();
        f.feed(ascii("a1 LOGIN {4294967295+}\r\naaaaaaaa\r\na2 NOOP\r\n"));
        assertEquals(List.of("* BYE [TOOBIG] Literal too large"), events.log);
        f.feed(ascii("a3 NOOP\r\n"));
        assertEquals(1, events.log.size());
    }

    @Test
    void appendAboveTheLimitIsNoTooBigAndTheSessionGoesOn() throws IOException {
        ImapFramer f = framer(Limits.defaults().withMaxAppendLiteral(1000_000));
        f.feed(ascii("5 APPEND Sent (\\Seen) {1000001}\r\n5b NOOP\r\n"));
        assertEquals(List.of("5 NO [TOOBIG] Message too large", "R 5b NOOP"), events.log);
        f.feed(ascii("6 APPEND Sent {1000001+}\r\n"));
        assertEquals("* BYE [TOOBIG] Literal too large", events.log.get(2));
        assertEquals(0, spoolFiles());
    }

    @Test
    void largeAppendIsSpooledOwnerOnlyAndDeletedOnClose() throws Exception {
        int size = 25 * 1024 * 1024;
        ImapFramer f = framer();
        f.feed(ascii("5 APPEND \"Sent\" (\\Seen) {" + size + "+}\r\n"));
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        Random random = new Random(42);
        byte[] chunk = new byte[64 * 1024];
        for (int left = size; left > 0; left -= chunk.length) {
            random.nextBytes(chunk);
            int n = Math.min(left, chunk.length);
            sent.update(chunk, 0, n);
            f.feed(ByteBuffer.wrap(chunk, 0, n));
            if (left == size) {
                assertEquals(1, spoolFiles(), "spooled from the first chunk on");
            }
        }
        f.feed(ascii("\r\n"));
        assertEquals(1, events.requests.size());
        FramedRequest r = events.requests.get(0);
        Literal message = r.literals().get(0);
        assertFalse(message.inMemory());
        assertEquals(size, message.size());
        Path file = ((TempFileSpool.FileLiteral) message).file();
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(spoolDir)));
        }
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        try (InputStream in = message.open()) {
            byte[] b = new byte[65536];
            for (int n; (n = in.read(b)) > 0; ) {
                got.update(b, 0, n);
            }
        }
        assertArrayEquals(sent.digest(), got.digest());
        r.close();
        assertEquals(0, spoolFiles());
    }

    @Test
    void sessionClosedMidLiteralDeletesTheSpoolFile() throws IOException {
        ImapFramer f = framer();
        f.feed(ascii("5 APPEND INBOX {200000}\r\n"));
        assertEquals(1, events.continuations);
        f.feed(new byte[100_000], 0, 100_000);
        assertEquals(1, spoolFiles());
        f.close();
        assertEquals(0, spoolFiles());
        f.feed(ascii("x NOOP\r\n"));
        assertTrue(events.requests.isEmpty());
    }

    @Test
    void refusedCommandDeletesLiteralsAlreadySpooled() throws IOException {
        ImapFramer f = framer(new Limits(8192, 1024, 2048, 300_000, 4));
        f.feed(ascii("5 APPEND INBOX {200000+}\r\n"));
        f.feed(new byte[200_000], 0, 200_000);
        assertEquals(1, spoolFiles());
        f.feed(ascii(" {200000}\r\n"));  // a second message would pass 300000 in all
        assertEquals(List.of("5 NO [TOOBIG] Message too large"), events.log);
        assertEquals(0, spoolFiles());
    }

    @Test
    void spoolFailureIsNoUnavailableAfterTheCommand() {
        ImapFramer f = new ImapFramer(Limits.defaults(), size -> {
            throw new IOException("disk full");
        }, events);
        f.feed(ascii("5 APPEND INBOX {100000}\r\n"));
        f.feed(ascii("6 APPEND INBOX {100000+}\r\n"));
        f.feed(new byte[100_000], 0, 100_000);
        f.feed(ascii("\r\n7 NOOP\r\n"));
        assertEquals(List.of(
                "5 NO [UNAVAILABLE] Cannot store the literal now, try again later",
                "6 NO [UNAVAILABLE] Cannot store the literal now, try again later",
                "R 7 NOOP"), events.log);
    }

    @Test
    void nonAppendLiteralAboveTheHeapLimitIsRefused() {
        ImapFramer f = framer();
        f.feed(ascii("a SEARCH TEXT {65537}\r\n"));
        f.feed(ascii("b SEARCH TEXT {65536}\r\n"));
        f.feed(new byte[65536], 0, 65536);
        f.feed(ascii(" TEXT {65536}\r\n"));
        f.feed(new byte[65536], 0, 65536);
        f.feed(ascii(" TEXT {1}\r\n"));
        assertEquals(List.of("a BAD [TOOBIG] Literal too large", "+", "+",
                "b BAD [TOOBIG] Literal too large"), events.log);
    }

    @Test
    void tooManyLiteralsIsBad() {
        ImapFramer f = framer(new Limits(8192, 1024, 4096, 1 << 20, 2));
        f.feed(ascii("a ID ({1+}\r\nx {1+}\r\ny {1+}\r\nz NIL)\r\nb NOOP\r\n"));
        assertEquals(List.of("a BAD Too many literals in one command", "R b NOOP"), events.log);
        f.feed(ascii("c ID ({1}\r\n"));
        f.feed(ascii("x {1}\r\n"));
        f.feed(ascii("y {1}\r\n"));
        assertEquals(List.of("a BAD Too many literals in one command", "R b NOOP", "+", "+",
                "c BAD Too many literals in one command"), events.log);
    }

    @Test
    void overlongLineIsBadAndDiscardedWithBoundedMemory() {
        ImapFramer f = framer();
        f.feed(ascii("a1 SEARCH "));
        byte[] junk = new byte[1 << 20];
        Arrays.fill(junk, (byte) 'x');
        for (int i = 0; i < 10; i++) {
            f.feed(junk, 0, junk.length);
        }
        f.feed(ascii("\r\na2 NOOP\r\n"));
        assertEquals(List.of("a1 BAD Command line too long", "R a2 NOOP"), events.log);
    }

    @Test
    void lineOfExactlyTheLimitPasses() {
        ImapFramer f = framer(new Limits(64, 16, 16, 16, 1));
        String ok = "a NOOP " + "x".repeat(64 - 7);
        f.feed(ascii(ok + "\r\n" + ok + "y\r\n" + ok + "\n"));
        assertEquals(List.of("R " + ok, "a BAD Command line too long", "R " + ok), events.log);
    }

    @Test
    void overlongLineWithoutATagIsUntagged() {
        ImapFramer f = framer();
        f.feed(ascii("(" + "x".repeat(9000) + "\r\n"));
        assertEquals(List.of("* BAD Command line too long"), events.log);
    }

    @Test
    void overlongLineAnnouncingANonSynchronizingLiteralSkipsIt() {
        ImapFramer f = framer();
        f.feed(ascii("a1 SEARCH " + "x ".repeat(5000) + "TEXT {5+}\r\nb2 NO\r\na4 NOOP\r\n"));
        assertEquals(List.of("a1 BAD Command line too long", "R a4 NOOP"), events.log);
    }

    @Test
    void overlongLineAnnouncingASynchronizingLiteralIsAnsweredAtOnce() {
        ImapFramer f = framer();
        f.feed(ascii("a1 SEARCH " + "x ".repeat(5000) + "TEXT {5}\r\na2 NOOP\r\n"));
        assertEquals(List.of("a1 BAD Command line too long", "R a2 NOOP"), events.log);
        assertEquals(0, events.continuations);
    }

    @Test
    void overlongLineWithAHugeNonSynchronizingLiteralEndsTheSession() {
        ImapFramer f = framer();
        f.feed(ascii("a1 SEARCH " + "x".repeat(9000) + "{" + "9".repeat(60) + "+}\r\n"));
        assertEquals("* BYE [TOOBIG] Literal too large", events.log.get(0));
    }

    @Test
    void textAcrossLiteralsCountsTowardsTheLineLimit() {
        ImapFramer f = framer(new Limits(100, 1024, 4096, 1 << 20, 32));
        StringBuilder b = new StringBuilder("a SEARCH");
        for (int i = 0; i < 10; i++) {
            b.append(" TEXT {1+}\r\nx");
        }
        f.feed(ascii(b + "\r\nb NOOP\r\n"));
        assertEquals(List.of("a BAD Command line too long", "R b NOOP"), events.log);
    }

    @Test
    void expectedLineIsNotACommand() {
        ImapFramer f = framer();
        f.feed(ascii("a IDLE\r\n"));
        f.expectLine();
        f.feed(ascii("DONE {5}\r\nb NOOP\r\n"));
        assertEquals(List.of("R a IDLE", "R DONE {5}", "R b NOOP"), events.log);
        f.expectLine();
        f.feed(ascii("\r\n"));
        assertEquals(0, events.requests.get(3).line(0).length, "an empty SASL response is a line");
        assertEquals(0, events.continuations);
    }

    @Test
    void literalAnnouncementNeedsDigits() {
        ImapFramer f = framer();
        f.feed(ascii("a LOGIN {} {+}\r\n"));
        assertEquals(List.of("R a LOGIN {} {+}"), events.log);
        assertNull(events.bye);
    }

    @Test
    void sweepRemovesLeftovers() throws IOException {
        TempFileSpool spool = new TempFileSpool(spoolDir);
        spool.create(10).write(new byte[3], 0, 3);
        spool.create(10);
        assertEquals(2, spool.sweep());
        assertEquals(0, spoolFiles());
    }

    @Test
    void heapLiteralsAreExact() throws IOException {
        ImapFramer f = framer();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(ascii("t LOGIN {3+}\r\n\r\n\0 {2+}\r\n\n\r\r\n"));
        f.feed(all.toByteArray(), 0, all.size());
        FramedRequest r = events.requests.get(0);
        assertArrayEquals(new byte[] {'\r', '\n', 0}, r.literals().get(0).open().readAllBytes());
        assertArrayEquals(new byte[] {'\n', '\r'}, r.literals().get(1).open().readAllBytes());
    }
}
