package org.postern.submission.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One outbound SMTP transaction (RFC 5321) to one server address, on the calling thread with
 * blocking I/O bounded by timeouts: a queue worker of its own pool calls it, never a shared
 * protocol worker. EHLO (HELO when refused), STARTTLS when offered, MAIL, one RCPT per recipient,
 * DATA with dot-stuffing streamed from the body, QUIT. PIPELINING is not used: a queue sends few
 * recipients per message and a reply per command is simpler to get right.
 *
 * <p>Every reply is bounded ({@value #MAX_LINE} octets a line, {@value #MAX_LINES} lines), so a
 * server that talks garbage or without end costs a temporary failure, never memory.
 */
final class SmtpClient {
    static final int MAX_LINE = 4096;
    private static final String GREETING = "greeting";
    static final int MAX_LINES = 100;

    /**
     * How the session must treat TLS: whether it may go on in clear text when the server offers
     * no STARTTLS (or refuses it), which TLS context checks the certificate, and whether the
     * certificate must name the host (JDK endpoint identification).
     */
    record TlsPlan(boolean required, SSLContext context, boolean checkHostName, String why) {
        /** STARTTLS when offered, any certificate (RFC 7435: encrypts against a passive eavesdropper); clear text otherwise. */
        static TlsPlan opportunistic(SSLContext anyCertificate) {
            return new TlsPlan(false, anyCertificate, false, "opportunistic");
        }
    }

    /** A server reply: its code and its text (lines joined with a space). */
    record Reply(int code, String text) {
        boolean positive() {
            return code >= 200 && code < 300;
        }

        boolean permanent() {
            return code >= 500 && code < 600;
        }

        @Override
        public String toString() {
            return code + " " + text;
        }
    }

    /** What the server said to each recipient (index as given) and, when it got that far, to the data. */
    record Result(List<Reply> recipients, Reply data, boolean tls) {
    }

    /** The session failed before per-recipient answers (connection, greeting, EHLO, TLS, MAIL). */
    static final class SessionFailure extends Exception {
        private final Reply reply;
        private final boolean tlsPolicy;

        SessionFailure(String message, Reply reply) {
            this(message, reply, false);
        }

        SessionFailure(String message, Reply reply, boolean tlsPolicy) {
            super(message);
            this.reply = reply;
            this.tlsPolicy = tlsPolicy;
        }

        /** The server refused to talk at all (its greeting). */
        boolean atGreeting() {
            return GREETING.equals(getMessage());
        }

        /** The session ended because TLS the destination's policy (MTA-STS, DANE) requires could not be had. */
        boolean tlsPolicy() {
            return tlsPolicy;
        }

        /** The server's reply that ended it, or null for a connection or protocol failure. */
        Reply reply() {
            return reply;
        }

        /** A 5xx reply: the server refuses this mail, trying later or elsewhere will not help. */
        boolean permanent() {
            return reply != null && reply.permanent();
        }
    }

    /** Settings of one attempt. */
    record Settings(String heloName, int connectTimeoutMillis, int commandTimeoutMillis, Login login) {
        /** Without a login (every MX). */
        Settings(String heloName, int connectTimeoutMillis, int commandTimeoutMillis) {
            this(heloName, connectTimeoutMillis, commandTimeoutMillis, null);
        }
    }

    /**
     * The queue's login at its smart host (AUTH PLAIN, only ever over TLS). The secret is kept
     * as octets and never printed.
     */
    record Login(String user, byte[] secret) {
        Login {
            if (user.isEmpty() || user.indexOf('\0') >= 0 || user.indexOf('\r') >= 0 || user.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("smarthost.user must be a non-empty name on one line");
            }
            secret = secret.clone();
        }

        /**
         * A copy: the caller may (and {@link SmtpClient#login} does) wipe it after use. Handing
         * out the array itself let the first session wipe the one login every session shares.
         */
        @Override
        public byte[] secret() {
            return secret.clone();
        }

        @Override
        public String toString() {
            return "Login[" + user + ", secret hidden]";
        }
    }

    private final Settings settings;

    /**
     * One session's deadline: each reply must be complete, each write done, within the command
     * timeout, or {@link SocketDeadlines} closes the socket. SO_TIMEOUT bounds one read() only, so
     * a server trickling a byte at a time kept a worker for ever, and it bounds no write at all,
     * so a server that stopped reading during DATA blocked the write for ever; meanwhile the lease
     * was renewed, so the message was neither sent, retried nor bounced.
     */
    private static final class Watchdog implements Runnable {
        private final Socket socket;
        private final long timeoutNanos;
        private volatile long deadline;
        private volatile boolean armed;
        volatile boolean fired;

        Watchdog(Socket socket, long timeoutMillis) {
            this.socket = socket;
            this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        }

        void arm() {
            deadline = System.nanoTime() + timeoutNanos;
            armed = true;
        }

        void disarm() {
            armed = false;
        }

        @Override
        public void run() {
            if (armed && System.nanoTime() - deadline >= 0) {
                fired = true;
                try {
                    socket.close(); // unblocks the read or write in progress (and the TLS layer on it)
                } catch (IOException ignored) {
                    // closed anyway
                }
            }
        }
    }

    SmtpClient(Settings settings) {
        this.settings = settings;
    }

    /** Whether sessions log in (the smart host's), so must be encrypted. */
    boolean logsIn() {
        return settings.login() != null;
    }

    /**
     * Sends one message.
     *
     * @param hostName the MX host name (for SNI and, when the plan checks it, the certificate)
     * @param body opened anew for the DATA phase; octets as stored (CRLF line ends)
     * @throws SessionFailure when no recipient got an answer
     */
    Result send(InetAddress address, int port, String hostName, TlsPlan tls, String sender, List<String> recipients,
            long size, boolean eightBit, boolean smtputf8, BodySource body) throws SessionFailure {
        Socket socket = new Socket();
        Watchdog watchdog = new Watchdog(socket, settings.commandTimeoutMillis());
        long period = Math.max(20, Math.min(1000, settings.commandTimeoutMillis() / 10));
        ScheduledFuture<?> watching = SocketDeadlines.TIMER.scheduleWithFixedDelay(watchdog, period, period, TimeUnit.MILLISECONDS);
        try {
            try {
                socket.connect(new InetSocketAddress(address, port), settings.connectTimeoutMillis());
                socket.setSoTimeout(settings.commandTimeoutMillis());
            } catch (IOException e) {
                throw new SessionFailure("cannot connect to " + hostName + " [" + address.getHostAddress() + "]:" + port
                        + ": " + e.getMessage(), null);
            }
            Conversation c = new Conversation(socket, watchdog);
            Reply greeting = c.read();
            if (!greeting.positive()) {
                throw new SessionFailure(GREETING, greeting);
            }
            List<String> ext;
            try {
                ext = c.ehlo();
            } catch (SessionFailure f) {
                if (tls.required() && f.permanent()) {
                    // before TLS anyone on the path can answer: a clear-text refusal is no verdict on
                    // mail that may only go over TLS (it would have bounced the message at once)
                    throw new SessionFailure(hostName + " refused EHLO and HELO before TLS, where " + tls.why()
                            + " requires TLS: " + f.reply(), null, true);
                }
                throw f;
            }
            boolean secure = false;
            if (ext.contains("STARTTLS")) {
                Reply r = c.command("STARTTLS");
                if (r.positive()) {
                    c = c.startTls(tls.context(), hostName, tls.checkHostName(), tls.required() ? tls.why() : null);
                    secure = true;
                    ext = c.ehlo();
                } else if (tls.required()) {
                    throw new SessionFailure("STARTTLS refused by " + hostName + " where " + tls.why() + " requires TLS",
                            null, true);
                }
            } else if (tls.required()) {
                throw new SessionFailure(hostName + " does not offer STARTTLS where " + tls.why() + " requires TLS",
                        null, true);
            }
            if (settings.login() != null) {
                login(c, ext, secure, hostName);
            }
            StringBuilder mail = new StringBuilder("MAIL FROM:<").append(sender).append('>');
            if (ext.stream().anyMatch(e -> e.startsWith("SIZE"))) {
                mail.append(" SIZE=").append(size);
            }
            if (eightBit && ext.contains("8BITMIME")) {
                mail.append(" BODY=8BITMIME");
            }
            if (smtputf8) {
                if (!ext.contains("SMTPUTF8")) {
                    throw new SessionFailure(hostName + " does not support SMTPUTF8, which this message needs",
                            new Reply(553, "5.6.7 SMTPUTF8 not supported by the receiving server"));
                }
                mail.append(" SMTPUTF8");
            }
            Reply m = c.command(mail.toString());
            if (!m.positive()) {
                throw new SessionFailure("MAIL FROM", m);
            }
            List<Reply> answers = new ArrayList<>(recipients.size());
            boolean anyAccepted = false;
            for (String r : recipients) {
                Reply a = c.command("RCPT TO:<" + r + ">");
                answers.add(a);
                anyAccepted |= a.positive();
            }
            if (!anyAccepted) {
                c.quit();
                return new Result(answers, null, secure);
            }
            Reply go = c.command("DATA");
            if (go.code() != 354) {
                c.quit();
                return new Result(answers, go, secure);
            }
            try (InputStream in = body.open()) {
                c.data(in);
            }
            Reply done = c.read();
            c.quit();
            return new Result(answers, done, secure);
        } catch (IOException e) {
            throw new SessionFailure("conversation with " + hostName + " [" + address.getHostAddress() + "] failed: "
                    + (e instanceof SocketTimeoutException || watchdog.fired ? "timeout" : e.getMessage()), null);
        } finally {
            watching.cancel(false);
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /**
     * AUTH PLAIN with the smart host login: only after TLS (a password in clear is a password
     * given away), only when offered. A refusal keeps the mail queued: it is the operator's
     * configuration that is wrong, not the message.
     */
    private void login(Conversation c, List<String> ext, boolean secure, String hostName) throws IOException, SessionFailure {
        if (!secure) {
            throw new SessionFailure(hostName + ": the smart host login needs TLS first", null, true);
        }
        boolean plain = ext.stream().anyMatch(e -> e.startsWith("AUTH ") && List.of(e.substring(5).split(" ")).contains("PLAIN"));
        if (!plain) {
            throw new SessionFailure(hostName + " does not offer AUTH PLAIN for the smart host login", null);
        }
        byte[] user = settings.login().user().getBytes(StandardCharsets.UTF_8);
        byte[] secret = settings.login().secret();
        byte[] token = new byte[user.length + secret.length + 2];
        System.arraycopy(user, 0, token, 1, user.length);
        System.arraycopy(secret, 0, token, user.length + 2, secret.length);
        String encoded = java.util.Base64.getEncoder().encodeToString(token);
        java.util.Arrays.fill(token, (byte) 0);
        java.util.Arrays.fill(secret, (byte) 0);
        Reply r = c.command("AUTH PLAIN " + encoded);
        if (r.code() != 235) {
            throw new SessionFailure(hostName + " refused the smart host login: " + r, null);
        }
    }

    /** Opens the stored body each time it is sent. */
    interface BodySource {
        InputStream open() throws IOException;
    }

    /** The command/reply exchange over one (possibly upgraded) socket. */
    private final class Conversation {
        private final Socket socket;
        private final Watchdog watchdog;
        private final InputStream in;
        private final OutputStream out;

        Conversation(Socket socket, Watchdog watchdog) throws IOException {
            this.socket = socket;
            this.watchdog = watchdog;
            this.in = new java.io.BufferedInputStream(socket.getInputStream(), 8192);
            this.out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
        }

        /** EHLO's extension keywords (upper case, with their parameters), after HELO when EHLO is refused. */
        List<String> ehlo() throws IOException, SessionFailure {
            Reply r = commandLines("EHLO " + settings.heloName());
            if (r.positive()) {
                return lastEhlo;
            }
            Reply h = command("HELO " + settings.heloName());
            if (!h.positive()) {
                throw new SessionFailure("HELO", h);
            }
            return List.of();
        }

        private List<String> lastEhlo = List.of();

        private Reply commandLines(String line) throws IOException, SessionFailure {
            write(line);
            List<String> lines = new ArrayList<>();
            Reply r = read(lines);
            List<String> ext = new ArrayList<>();
            for (int i = 1; i < lines.size(); i++) {
                ext.add(lines.get(i).toUpperCase(Locale.ROOT));
            }
            lastEhlo = ext;
            return r;
        }

        Reply command(String line) throws IOException, SessionFailure {
            write(line);
            return read();
        }

        void quit() {
            try {
                write("QUIT");
                read();
            } catch (IOException | SessionFailure ignored) {
                // the transaction is decided; a rude goodbye changes nothing
            }
        }

        Conversation startTls(SSLContext context, String hostName, boolean verify, String requiredBy)
                throws SessionFailure {
            try {
                SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket,
                        hostName, socket.getPort(), true);
                SSLParameters p = tls.getSSLParameters();
                if (verify) {
                    p.setEndpointIdentificationAlgorithm("HTTPS"); // host name checked against the certificate
                }
                try {
                    p.setServerNames(List.of(new javax.net.ssl.SNIHostName(hostName)));
                } catch (IllegalArgumentException notAHostName) {
                    // an address literal: no SNI
                }
                tls.setSSLParameters(p);
                tls.setUseClientMode(true);
                watchdog.arm();
                try {
                    tls.startHandshake();
                } finally {
                    watchdog.disarm();
                }
                return new Conversation(tls, watchdog);
            } catch (IOException e) {
                throw new SessionFailure("TLS with " + hostName + " failed"
                        + (requiredBy == null ? "" : " where " + requiredBy + " requires it") + ": " + e.getMessage(),
                        null, requiredBy != null);
            }
        }

        private void write(String line) throws IOException {
            watchdog.arm();
            try {
                out.write(line.getBytes(StandardCharsets.UTF_8));
                out.write('\r');
                out.write('\n');
                out.flush();
            } finally {
                watchdog.disarm();
            }
        }

        Reply read() throws IOException, SessionFailure {
            return read(null);
        }

        /** One reply, all its lines; {@code lines} gets each line's text when given. */
        private Reply read(List<String> lines) throws IOException, SessionFailure {
            watchdog.arm(); // the whole reply within the timeout, not each byte
            try {
                return readReply(lines);
            } finally {
                watchdog.disarm();
            }
        }

        private Reply readReply(List<String> lines) throws IOException, SessionFailure {
            StringBuilder text = new StringBuilder();
            int code = -1;
            for (int n = 0; n < MAX_LINES; n++) {
                String line = readLine();
                if (line.length() < 3 || !digits(line)) {
                    throw new SessionFailure("malformed reply: " + printable(line), null);
                }
                int c = Integer.parseInt(line.substring(0, 3));
                if (code >= 0 && c != code) {
                    throw new SessionFailure("reply lines with different codes", null);
                }
                code = c;
                String rest = line.length() > 4 ? line.substring(4) : "";
                if (lines != null) {
                    lines.add(rest);
                }
                if (text.length() > 0) {
                    text.append(' ');
                }
                if (text.length() < MAX_LINE) {
                    text.append(rest);
                }
                if (line.length() == 3 || line.charAt(3) == ' ') {
                    return new Reply(code, printable(text.toString()));
                }
                if (line.charAt(3) != '-') {
                    throw new SessionFailure("malformed reply: " + printable(line), null);
                }
            }
            throw new SessionFailure("reply longer than " + MAX_LINES + " lines", null);
        }

        private String readLine() throws IOException, SessionFailure {
            byte[] buf = new byte[MAX_LINE];
            int n = 0;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new SessionFailure("connection closed by the server", null);
                }
                if (b == '\n') {
                    if (n > 0 && buf[n - 1] == '\r') {
                        n--;
                    }
                    return new String(buf, 0, n, StandardCharsets.UTF_8);
                }
                if (n == buf.length) {
                    throw new SessionFailure("reply line longer than " + MAX_LINE + " octets", null);
                }
                buf[n++] = (byte) b;
            }
        }

        /** The message, dot-stuffed (RFC 5321 4.5.2), then the end-of-data line. */
        void data(InputStream body) throws IOException {
            byte[] buf = new byte[16 * 1024];
            boolean lineStart = true;
            int last = -1;
            int r;
            while ((r = body.read(buf)) > 0) {
                watchdog.arm(); // each block must leave within the timeout (not the stored body's reads)
                try {
                    int from = 0;
                    for (int i = 0; i < r; i++) {
                        if (lineStart && buf[i] == '.') {
                            out.write(buf, from, i - from);
                            out.write('.');
                            from = i;
                        }
                        lineStart = buf[i] == '\n';
                    }
                    out.write(buf, from, r - from);
                } finally {
                    watchdog.disarm();
                }
                last = buf[r - 1];
            }
            watchdog.arm();
            try {
                if (last != '\n' && last != -1) {
                    out.write('\r');
                    out.write('\n');
                }
                out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } finally {
                watchdog.disarm();
            }
        }
    }

    private static boolean digits(String line) {
        for (int i = 0; i < 3; i++) {
            if (line.charAt(i) < '0' || line.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** A remote server's text, safe to log and store: control characters become spaces. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_LINE));
        for (int i = 0; i < s.length() && b.length() < MAX_LINE; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return b.toString();
    }
}
