package org.postern.imap.internal.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IoSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.imap.internal.decode.Rejection.Status;
import org.postern.protocol.Listener;

/** The filter on a real socket, through the shared {@link Listener} (I/O thread, then the workers). */
class ImapFramerFilterTest {
    @TempDir
    Path spoolDir;

    private Listener listener;

    @AfterEach
    void close() {
        if (listener != null) {
            listener.close();
        }
    }

    /** A toy session: answers every request OK (APPEND with the message size), as a processor chain would. */
    private static final class Toy extends IoHandlerAdapter {
        private final ImapRequestParser parser = new ImapRequestParser();

        @Override
        public void messageReceived(IoSession session, Object message) throws IOException {
            if (message == ImapFramerFilter.CONTINUATION) {
                write(session, "+ Ready for literal data\r\n");
            } else if (message instanceof Rejection r) {
                write(session, r.line());
                if (r.status() == Status.BYE) {
                    session.closeOnFlush();
                }
            } else if (message instanceof FramedRequest request) {
                try (request) {
                    if ("idle".equals(session.getAttribute("idle"))) {
                        session.removeAttribute("idle");
                        write(session, PlainLines.isDone(request) ? "i OK IDLE done\r\n" : "i BAD expected DONE\r\n");
                        return;
                    }
                    ImapRequest r = parser.parse(request);
                    if (r instanceof ImapRequest.Append a) {
                        try (InputStream in = a.message().open()) {
                            long n = in.transferTo(OutputStream.nullOutputStream());
                            write(session, a.tag() + " OK APPEND " + n + (a.message().inMemory() ? " heap" : " spooled") + "\r\n");
                        }
                    } else if (r.command() == Command.IDLE) {
                        session.setAttribute("idle", "idle");
                        ImapFramerFilter.framer(session).expectLine();
                        write(session, "+ idling\r\n");
                    } else {
                        write(session, r.tag() + " OK " + r.command() + "\r\n");
                    }
                } catch (ImapDecodeException e) {
                    write(session, e.rejection().line());
                }
            }
        }

        private static void write(IoSession session, String line) {
            session.write(IoBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII)));
        }
    }

    private int start() throws IOException {
        listener = Listener.on("127.0.0.1", 0).name("imap-test")
                .filter("imap", new ImapFramerFilter(Limits.defaults(), new TempFileSpool(spoolDir)))
                .bind(new Toy());
        return listener.localAddress().getPort();
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
    void aSessionOverARealSocket() throws Exception {
        int port = start();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            out.write("a1 NOOP\r\na2 LOGIN {5}\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("a1 OK NOOP", in.readLine());
            assertEquals("+ Ready for literal data", in.readLine());
            out.write("alice \"secret\"\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("a2 OK LOGIN", in.readLine());

            int size = 5 * 1024 * 1024;
            out.write(("a3 APPEND INBOX (\\Seen) {" + size + "}\r\n").getBytes(StandardCharsets.US_ASCII));
            assertEquals("+ Ready for literal data", in.readLine());
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = (byte) (i % 7 == 0 ? '\n' : i % 5 == 0 ? 0 : i);
            }
            for (int left = size; left > 0; left -= chunk.length) {
                out.write(chunk, 0, Math.min(left, chunk.length));
            }
            out.write("\r\na4 IDLE\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("a3 OK APPEND " + size + " spooled", in.readLine());
            assertEquals("+ idling", in.readLine());
            out.write("DONE\r\na5 LOGIN {1000000}\r\na6 SEARCH (((\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("i OK IDLE done", in.readLine());
            assertEquals("a5 BAD [TOOBIG] Literal too large", in.readLine());
            assertEquals("a6 BAD Expected a search key", in.readLine());
            assertEquals(0, spoolFiles(), "the handler closed the request");

            out.write("a7 LOGIN {4294967295+}\r\nxxxx".getBytes(StandardCharsets.US_ASCII));
            assertEquals("* BYE [TOOBIG] Literal too large", in.readLine());
            assertEquals(null, in.readLine(), "closed");
        }
    }

    @Test
    void clientGoneMidAppendLeavesNoFile() throws Exception {
        int port = start();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("a APPEND INBOX {10000000+}\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(new byte[1_000_000]);
            s.getOutputStream().flush();
            long deadline = System.currentTimeMillis() + 10_000;
            while (spoolFiles() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, spoolFiles());
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (spoolFiles() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, spoolFiles());
        assertTrue(listener.sessionCount() <= 1);
    }
}
