package org.postern.smtp.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A bare socket SMTP client that sends exactly the bytes it is given. */
final class RawClient implements AutoCloseable {
    private static final Pattern LAST = Pattern.compile("^\\d{3}( .*)?$");
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    RawClient(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    RawClient(Socket socket) throws IOException {
        use(socket);
    }

    void use(Socket s) throws IOException {
        socket = s;
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    Socket socket() {
        return socket;
    }

    /** Writes the bytes as they are (ISO-8859-1 for 8-bit test data). */
    RawClient send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    RawClient sendUtf8(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    /** What one read of the socket returns (up to 64 KiB), as ISO-8859-1; null at end of stream. */
    String readOnce() throws IOException {
        byte[] b = new byte[65536];
        int n = in.read(b);
        return n < 0 ? null : new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** One CRLF-terminated line without its terminator; null at end of stream. */
    String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.UTF_8);
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    /** The last line of the next (possibly multi-line) reply. */
    String reply() throws IOException {
        List<String> all = replyLines();
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /** Every line of the next reply. */
    List<String> replyLines() throws IOException {
        List<String> lines = new ArrayList<>();
        String l;
        while ((l = line()) != null) {
            lines.add(l);
            if (LAST.matcher(l).matches()) {
                break;
            }
        }
        return lines;
    }

    /** Sends a command and returns the last line of its reply. */
    String command(String command) throws IOException {
        send(command + "\r\n");
        return reply();
    }

    /** True when the server closed the connection (end of stream, or reset). */
    boolean closedByServer() {
        try {
            return in.read() == -1;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
