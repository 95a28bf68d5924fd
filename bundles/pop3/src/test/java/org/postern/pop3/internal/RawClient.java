package org.postern.pop3.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A bare socket POP3 client that sends exactly the bytes it is given. */
final class RawClient implements AutoCloseable {
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    RawClient(int port) throws IOException {
        use(new Socket("127.0.0.1", port));
    }

    private RawClient(Socket s) throws IOException {
        use(s);
    }

    /** Connects to an implicit-TLS port, trusting any certificate (test only). */
    static RawClient tls(int port) throws IOException {
        SSLSocket s = (SSLSocket) trustAll().getSocketFactory().createSocket("127.0.0.1", port);
        s.startHandshake();
        return new RawClient(s);
    }

    private void use(Socket s) throws IOException {
        socket = s;
        socket.setSoTimeout(10_000);
        in = new java.io.BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Starts TLS on this connection (after +OK to STLS). */
    void startTls() throws IOException {
        SSLSocket s = (SSLSocket) trustAll().getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
        s.startHandshake();
        use(s);
    }

    static SSLContext trustAll() {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return c;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    Socket socket() {
        return socket;
    }

    InputStream input() {
        return in;
    }

    RawClient send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** One line without its CRLF; null at end of stream. */
    String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Sends a command, returns the first line of its reply. */
    String command(String command) throws IOException {
        send(command + "\r\n");
        return line();
    }

    /** The lines of a multi-line body after its +OK line, up to (not including) the final ".", as sent. */
    List<String> body() throws IOException {
        List<String> lines = new ArrayList<>();
        String l;
        while ((l = line()) != null && !l.equals(".")) {
            lines.add(l);
        }
        return lines;
    }

    /** The raw bytes of a multi-line body after its +OK line, terminator included. */
    byte[] rawBody() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        long last = 0; // the last five octets seen
        int c;
        while ((c = in.read()) != -1) {
            b.write(c);
            last = ((last << 8) | c) & 0xFF_FFFF_FFFFL;
            // ".CRLF" at the very start, or "CRLF.CRLF"
            if ((b.size() == 3 && last == 0x2E0D0AL) || last == 0x0D0A2E0D0AL) {
                break;
            }
        }
        return b.toByteArray();
    }

    /** True when the server closed the connection. */
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
