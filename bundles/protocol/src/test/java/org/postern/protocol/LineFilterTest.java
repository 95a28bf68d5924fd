package org.postern.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IoSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Drives the listener, the limiter and the line filter over real sockets. */
class LineFilterTest {
    private Listener listener;

    /** Answers each line with a description of it. */
    static final class Describe extends IoHandlerAdapter {
        @Override
        public void sessionOpened(IoSession session) {
            session.write(IoBuffer.wrap("hello\r\n".getBytes(StandardCharsets.US_ASCII)));
        }

        @Override
        public void messageReceived(IoSession session, Object message) {
            if (message instanceof Chunk) {
                Chunk c = (Chunk) message;
                String d = "chunk " + new String(c.bytes(), StandardCharsets.US_ASCII).replace('\n', '|') + "\r\n";
                session.write(IoBuffer.wrap(d.getBytes(StandardCharsets.US_ASCII)));
                return;
            }
            Line l = (Line) message;
            if (l.text().equals("DATA")) {
                org.postern.protocol.smtp.SmtpChunking.dataStarted(session);
            }
            String d = l.length() + " crlf=" + l.crlf() + " long=" + l.tooLong() + " nul=" + l.hasNul() + "\r\n";
            session.write(IoBuffer.wrap(d.getBytes(StandardCharsets.US_ASCII)));
        }
    }

    @AfterEach
    void close() {
        if (listener != null) {
            listener.close();
        }
    }

    /**
     * SMTP CHUNKING: the octets a BDAT command announces come as chunks, whatever they contain
     * (line ends, another BDAT), and lines resume after them; inside DATA a BDAT line is text.
     */
    @Test
    void bdatOctetsComeAsChunksAndDataContentStaysLines() throws Exception {
        listener = Listener.on("127.0.0.1", 0).name("test")
                .filter("lines", new LineFilter(100, new org.postern.protocol.smtp.SmtpChunking())).bind(new Describe());
        try (Socket s = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            assertEquals("hello", in.readLine());
            out.write("BDAT 9\r\nab\nBDAT 1NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("6 crlf=true long=false nul=false", in.readLine());
            StringBuilder chunked = new StringBuilder();
            while (chunked.length() < "ab|BDAT 1".length()) {
                String l = in.readLine();
                assertTrue(l.startsWith("chunk "), l);
                chunked.append(l.substring(6));
            }
            assertEquals("ab|BDAT 1", chunked.toString());
            assertEquals("4 crlf=true long=false nul=false", in.readLine(), "NOOP is a line again");
            // DATA: until the end line, a BDAT is content; "\n.\r\n" after a bare LF ends nothing
            // (a client sends content only after the 354, so after the server has seen DATA)
            out.write("DATA\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("4 crlf=true long=false nul=false", in.readLine());
            out.write("BDAT 3\r\nx\n.\r\nstill data\r\n.\r\nBDAT 2 LAST\r\nokQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("6 crlf=true long=false nul=false", in.readLine(), "BDAT 3 inside DATA is a line");
            assertEquals("1 crlf=false long=false nul=false", in.readLine());
            assertEquals("1 crlf=true long=false nul=false", in.readLine(), "not the end: it follows a bare LF");
            assertEquals("10 crlf=true long=false nul=false", in.readLine());
            assertEquals("1 crlf=true long=false nul=false", in.readLine(), "the end of DATA");
            assertEquals("11 crlf=true long=false nul=false", in.readLine());
            assertEquals("chunk ok", in.readLine());
            assertEquals("4 crlf=true long=false nul=false", in.readLine());
        }
    }

    @Test
    void linesAreSplitBoundedAndDescribed() throws Exception {
        listener = Listener.on("127.0.0.1", 0).name("test").filter("lines", new LineFilter(10)).bind(new Describe());
        try (Socket s = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            assertEquals("hello", in.readLine());
            out.write("12345678\r\n123456789\r\nbare\nnu\0l\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(("x".repeat(100_000) + "\r\nok\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("8 crlf=true long=false nul=false", in.readLine(), "10 octets with CRLF fit");
            assertTrue(in.readLine().endsWith("crlf=true long=true nul=false"), "11 octets do not");
            assertEquals("4 crlf=false long=false nul=false", in.readLine());
            assertEquals("4 crlf=true long=false nul=true", in.readLine());
            assertTrue(in.readLine().endsWith("crlf=true long=true nul=false"));
            assertEquals("2 crlf=true long=false nul=false", in.readLine());
        }
    }

    @Test
    void connectionsOverTheLimitAreRefusedAndCountedDown() throws Exception {
        ConnectionLimitFilter limit = new ConnectionLimitFilter(1, "421 4.7.0 Too many connections from your address");
        listener = Listener.on("127.0.0.1", 0).filter("limit", limit).filter("lines", new LineFilter(100))
                .bind(new Describe());
        int port = listener.localAddress().getPort();
        try (Socket first = new Socket("127.0.0.1", port)) {
            first.setSoTimeout(5000);
            assertEquals("hello", new BufferedReader(new InputStreamReader(first.getInputStream())).readLine());
            try (Socket second = new Socket("127.0.0.1", port)) {
                second.setSoTimeout(5000);
                BufferedReader in = new BufferedReader(new InputStreamReader(second.getInputStream()));
                assertEquals("421 4.7.0 Too many connections from your address", in.readLine());
                assertEquals(null, in.readLine(), "closed after the refusal");
            }
        }
        long deadline = System.currentTimeMillis() + 5000;
        while (limit.openFrom(java.net.InetAddress.getByName("127.0.0.1")) > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        try (Socket again = new Socket("127.0.0.1", port)) {
            again.setSoTimeout(5000);
            assertEquals("hello", new BufferedReader(new InputStreamReader(again.getInputStream())).readLine());
        }
    }
}
