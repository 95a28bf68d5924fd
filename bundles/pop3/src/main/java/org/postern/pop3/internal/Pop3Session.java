package org.postern.pop3.internal;

import org.postern.protocol.sasl.SaslPlain;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;
import org.postern.api.auth.AuthUnavailableException;
import org.postern.api.auth.Authenticator;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;
import org.postern.api.mail.FolderSnapshot;
import org.postern.api.mail.MailStore;
import org.postern.pop3.internal.Verb.State;
import org.postern.protocol.Line;
import org.postern.protocol.LineFilter;
import org.postern.protocol.ReadThrottle;
import org.postern.protocol.Tls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One POP3 session (RFC 1939, with RFC 2449 CAPA and response codes, RFC 2595 STLS, RFC 5034
 * SASL PLAIN). Runs on the listener's ordered worker pool, one event at a time. The state is
 * explicit ({@link State}) and checked once per command against {@link Verb}'s table.
 *
 * <p>Nothing here waits on another party: a login is asynchronous (reads are held until it
 * completes and its result comes back as a {@link LoginDone} event), and RETR/TOP stream the
 * body in chunks, the next chunks written only when the earlier ones have left (a {@link #PUMP}
 * event from the write's completion). While either runs, lines that had already been read wait in
 * a queue bounded by the read throttle.
 */
final class Pop3Session {
    private static final Logger LOG = LoggerFactory.getLogger(Pop3Session.class);

    static final String GREETING = "+OK Postern POP3 ready";
    static final String AUTH_FAILED = "-ERR [AUTH] Authentication failed";
    static final String TEMP_FAILURE = "-ERR [SYS/TEMP] Temporary authentication failure, try again later";
    static final String IN_USE = "-ERR [IN-USE] Maildrop is locked by another POP3 session";
    static final String PLAINTEXT_DISALLOWED =
            "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections; use STLS";
    static final String REVOKED = "-ERR [AUTH] Login no longer valid";

    /** After this many failed logins the connection is closed (the authenticator rate-limits too). */
    static final int MAX_AUTH_FAILURES = 3;
    /** After this many -ERR replies to bad commands the connection is closed. */
    static final int MAX_ERRORS = 20;
    /** Body octets per write. */
    static final int CHUNK = 16 * 1024;
    /** Body octets written but not yet sent at most; past it, the transfer waits for the socket. */
    static final long WINDOW = 64 * 1024;

    /** Continue the running body transfer: the socket took what was written. */
    static final Object PUMP = new Object() {
        @Override
        public String toString() {
            return "PUMP";
        }
    };

    /** A login's outcome, back in the session's ordered stream. */
    static final class LoginDone {
        final Optional<Login> login;
        final Throwable failure;

        LoginDone(Optional<Login> login, Throwable failure) {
            this.login = login == null ? Optional.empty() : login;
            this.failure = failure;
        }

        /** No session takes it: forget the login at once. */
        void discard() {
            login.ifPresent(Login::close);
        }
    }

    private final Pop3Server server;
    private final IoSession io;
    private final InetAddress client;

    private volatile State state = State.AUTHORIZATION;
    private boolean tls;
    private int errors;
    private int authFailures;
    /** USER given, PASS awaited. */
    private String user;
    /** AUTH PLAIN sent "+ ", the response line is awaited. */
    private boolean saslPending;

    /** A login in flight; reads are held until it completes. */
    private CompletableFuture<Optional<Login>> pendingLogin;
    /** STLS reply in flight; reads are held until TLS is in place. */
    private volatile boolean tlsStarting;
    private volatile Login login;
    private final AtomicBoolean released = new AtomicBoolean();
    private Maildrop maildrop;

    /** The multi-line response (RETR, TOP, LIST, UIDL) in progress; reads are held until it ends. */
    private Chunked transfer;
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicBoolean waiting = new AtomicBoolean();
    private volatile long lastProgress = System.nanoTime();

    /** Lines read before reads were held; handled once the login or transfer is done. */
    private final ArrayDeque<Line> queued = new ArrayDeque<>();

    Pop3Session(Pop3Server server, IoSession io) {
        this.server = server;
        this.io = io;
        this.client = ((InetSocketAddress) io.getRemoteAddress()).getAddress();
        this.tls = io.getFilterChain().contains(SslFilter.class);
        io.getCloseFuture().addListener(f -> release());
    }

    // ---- events ----

    void open() {
        send(GREETING);
    }

    void line(Line line) {
        queued.add(line);
        drain();
    }

    void idle() {
        if (state == State.CLOSED) {
            return;
        }
        long timeout = server.settings().idleTimeoutSeconds() * 1_000_000_000L;
        if ((transfer != null || pendingLogin != null) && System.nanoTime() - lastProgress < timeout) {
            return; // the client is reading a long message, or the login is still being decided
        }
        // RFC 1939 section 3: an autologout timer ends the session without entering UPDATE
        send("-ERR Autologout; idle for too long");
        end();
    }

    /** The connection is gone, however it ended: nothing is deleted unless QUIT got there first. */
    void closed() {
        state = State.CLOSED;
        closeTransfer();
        release();
        if (pendingLogin != null) {
            pendingLogin.thenAccept(l -> l.ifPresent(Login::close));
        }
        maildrop = null;
        queued.clear();
    }

    /**
     * Releases the maildrop lock and the login, once. Called when the session closes and also
     * from the connection's close future, so that both go even when sessionClosed never reaches
     * the handler (a TLS filter that failed, a worker pool shut down with the event queued).
     */
    private void release() {
        if (released.compareAndSet(false, true)) {
            Login l = login;
            if (l != null) {
                server.unlock(l.accountId(), this);
                l.close();
            }
        }
    }

    /** The connection is closing or closed: no command of this session will run any more. */
    boolean isEnding() {
        return state == State.CLOSED || !io.isConnected() || io.isClosing();
    }

    // ---- commands ----

    private boolean busy() {
        return pendingLogin != null || transfer != null || tlsStarting || state == State.CLOSED;
    }

    private void handle(Line line) {
        try {
            if (state == State.CLOSED || state == State.UPDATE) {
                return;
            }
            if (tls && !line.secure()) {
                return; // sent in clear text before STLS took effect: never obeyed under TLS
            }
            if (line.tooLong()) {
                saslPending = false;
                error("-ERR Line too long");
                return;
            }
            if (line.hasNul()) {
                saslPending = false;
                error("-ERR NUL in command");
                return;
            }
            if (saslPending) {
                saslPending = false;
                saslResponse(line.bytes());
                return;
            }
            String text = line.text();
            Command c = Command.parse(text);
            if (c.verb() == null) {
                error("-ERR Unknown command");
                return;
            }
            if (!c.verb().validIn(state)) {
                error(state == State.AUTHORIZATION ? "-ERR Not logged in" : "-ERR Already logged in");
                return;
            }
            run(c);
        } finally {
            // PASS and AUTH lines carry secrets: do not leave them on the heap longer than needed
            Arrays.fill(line.bytes(), (byte) 0);
        }
    }

    private void run(Command c) {
        switch (c.verb()) {
            case CAPA -> capa();
            case USER -> user(c);
            case PASS -> pass(c);
            case AUTH -> auth(c);
            case STLS -> stls();
            case QUIT -> quit();
            case STAT -> send("+OK " + maildrop.count() + " " + maildrop.octets());
            case LIST -> list(c, false);
            case UIDL -> list(c, true);
            case RETR -> retr(c);
            case TOP -> top(c);
            case DELE -> dele(c);
            case NOOP -> send("+OK");
            case RSET -> {
                maildrop.reset();
                send("+OK " + maildrop.count() + " messages (" + maildrop.octets() + " octets)");
            }
            default -> error("-ERR Unknown command");
        }
    }

    private void capa() {
        StringBuilder b = new StringBuilder("+OK Capability list follows\r\n");
        boolean authAllowed = authAllowed();
        boolean stls = stlsOffered();
        for (Verb v : Verb.values()) {
            String cap = v.capability(state, authAllowed, stls);
            if (cap != null) {
                b.append(cap).append("\r\n");
            }
        }
        b.append("RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n.");
        send(b.toString());
    }

    private boolean authAllowed() {
        return tls || server.settings().allowPlaintextAuth() || server.trustedClient.test(client);
    }

    private boolean stlsOffered() {
        return state == State.AUTHORIZATION && !tls && server.serverTls != null;
    }

    private void user(Command c) {
        if (!authAllowed()) {
            error(PLAINTEXT_DISALLOWED);
            return;
        }
        if (c.args().size() != 1) {
            error("-ERR Usage: USER name");
            return;
        }
        user = c.args().get(0);
        send("+OK");
    }

    private void pass(Command c) {
        if (!authAllowed()) {
            error(PLAINTEXT_DISALLOWED);
            return;
        }
        if (user == null) {
            error("-ERR USER first");
            return;
        }
        String name = user;
        user = null;
        if (c.rest().isEmpty()) {
            error("-ERR Usage: PASS password");
            return;
        }
        startLogin(name, c.rest().toCharArray());
    }

    private void auth(Command c) {
        if (!authAllowed()) {
            error(PLAINTEXT_DISALLOWED);
            return;
        }
        user = null;
        if (c.args().isEmpty()) {
            send("+OK\r\nPLAIN\r\n."); // the mechanism list, as clients from before RFC 5034 ask for it
            return;
        }
        if (!c.args().get(0).equalsIgnoreCase("PLAIN")) {
            error("-ERR Unsupported authentication mechanism");
            return;
        }
        if (c.args().size() > 2) {
            error("-ERR Usage: AUTH PLAIN [initial-response]");
            return;
        }
        if (c.args().size() == 1) {
            saslPending = true;
            send("+ ");
            return;
        }
        String initial = c.args().get(1);
        // RFC 5034: "=" is an empty initial response, which PLAIN cannot use
        saslResponse(initial.equals("=") ? new byte[0] : initial.getBytes(StandardCharsets.US_ASCII));
    }

    private void saslResponse(byte[] response) {
        if (response.length == 1 && response[0] == '*') {
            error("-ERR Authentication cancelled");
            return;
        }
        SaslPlain.Credentials credentials;
        try {
            credentials = SaslPlain.decode(response);
        } catch (SaslPlain.Malformed e) {
            error("-ERR Malformed AUTH PLAIN response: " + e.getMessage());
            return;
        } catch (SaslPlain.ForeignAuthzid e) {
            loginFailed();
            return;
        }
        startLogin(credentials.username(), credentials.secret());
    }

    /**
     * Asks the authenticator, holding reads until it answers. The answer comes back through the
     * session's ordered stream ({@link #loginDone}); no worker waits for it.
     */
    private void startLogin(String username, char[] secret) {
        Authenticator authenticator = server.authenticator;
        if (authenticator == null || server.mailStore == null) {
            Arrays.fill(secret, '\0');
            send(TEMP_FAILURE);
            return;
        }
        CompletionStage<Optional<Login>> stage;
        try {
            // The authenticator reads the secret on its own thread and clears it itself
            // (Authenticator's contract): clearing it here would race that read.
            stage = authenticator.login(Protocol.POP3, username, secret, client);
        } catch (RuntimeException e) {
            Arrays.fill(secret, '\0');
            stage = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Optional<Login>> pending = stage.toCompletableFuture();
        pendingLogin = pending;
        lastProgress = System.nanoTime();
        ReadThrottle.hold(io);
        pending.whenComplete((result, failure) -> {
            LoginDone done = new LoginDone(result, failure);
            if (!Pop3Handler.fire(io, done)) {
                done.discard();
            }
        });
    }

    void loginDone(LoginDone done) {
        pendingLogin = null;
        try {
            if (state != State.AUTHORIZATION) {
                done.discard();
                return;
            }
            if (done.failure != null) {
                Throwable cause = done.failure instanceof CompletionException && done.failure.getCause() != null
                        ? done.failure.getCause() : done.failure;
                if (!(cause instanceof AuthUnavailableException)) {
                    LOG.warn("Postern POP3: the authenticator failed: {}", cause.toString());
                }
                send(TEMP_FAILURE);
                return;
            }
            Optional<Login> result = done.login;
            if (result.isEmpty() || result.get().isRevoked()) {
                done.discard();
                loginFailed();
                return;
            }
            enter(result.get());
        } finally {
            ReadThrottle.release(io);
            drain();
        }
    }

    /** Takes the maildrop lock and the snapshot of INBOX, and enters TRANSACTION. */
    private void enter(Login l) {
        MailStore store = server.mailStore;
        if (store == null) {
            l.close();
            send(TEMP_FAILURE);
            return;
        }
        if (!server.lock(l.accountId(), this)) {
            l.close();
            send(IN_USE);
            return;
        }
        FolderSnapshot snapshot;
        try {
            snapshot = store.snapshot(l.accountId(), MailStore.INBOX);
        } catch (RuntimeException e) {
            LOG.warn("Postern POP3: cannot list the maildrop: {}", e.toString());
            server.unlock(l.accountId(), this);
            l.close();
            send("-ERR [SYS/TEMP] Maildrop not available, try again later");
            return;
        }
        login = l;
        if (released.get()) {
            // The connection went while the login was being made: release() has run already.
            server.unlock(l.accountId(), this);
            l.close();
            login = null;
            return;
        }
        maildrop = new Maildrop(snapshot);
        state = State.TRANSACTION;
        authFailures = 0;
        send("+OK Logged in, " + maildrop.count() + " messages (" + maildrop.octets() + " octets)");
        // Runs on the authenticator's thread, or here at once when already revoked: the session
        // ends with no further reply and nothing deleted.
        l.onRevoked(io::closeNow);
    }

    private void loginFailed() {
        authFailures++;
        if (authFailures >= MAX_AUTH_FAILURES) {
            send(AUTH_FAILED);
            end();
        } else {
            send(AUTH_FAILED);
        }
    }

    private void stls() {
        if (tls) {
            error("-ERR TLS already active");
            return;
        }
        SSLContext context = server.tls();
        if (context == null) {
            error("-ERR TLS not available");
            return;
        }
        // As SMTP's STARTTLS: the reply leaves in clear text and the TLS filter is in before the
        // client's handshake is read; anything pipelined in clear text after STLS is discarded.
        user = null;
        tls = true;
        tlsStarting = true;
        queued.clear();
        ReadThrottle.hold(io);
        io.write(IoBuffer.wrap("+OK Begin TLS negotiation\r\n".getBytes(StandardCharsets.US_ASCII))).addListener(f -> {
            try {
                LineFilter.reset(io);
                io.getFilterChain().addFirst("tls", Tls.filter(context));
            } finally {
                tlsStarting = false;
                ReadThrottle.release(io);
            }
        });
    }

    private void quit() {
        if (state == State.AUTHORIZATION) {
            send("+OK Bye");
            end();
            return;
        }
        state = State.UPDATE;
        List<Long> uids = maildrop.markedUids();
        if (login.isRevoked()) {
            send(REVOKED);
            end();
            return;
        }
        if (uids.isEmpty()) {
            send("+OK Bye");
            end();
            return;
        }
        MailStore store = server.mailStore;
        try {
            if (store == null) {
                throw new IllegalStateException("no mail store");
            }
            int deleted = store.delete(login.accountId(), MailStore.INBOX, maildrop.uidValidity(), uids);
            LOG.debug("Postern POP3: {} message(s) deleted at QUIT", deleted);
            send("+OK Bye, " + uids.size() + " message(s) deleted");
        } catch (RuntimeException e) {
            LOG.warn("Postern POP3: deletion at QUIT failed: {}", e.toString());
            send("-ERR [SYS/TEMP] Deleted messages not removed, try again later");
        }
        end();
    }

    private void list(Command c, boolean uidl) {
        if (c.args().size() > 1) {
            error(uidl ? "-ERR Usage: UIDL [msg]" : "-ERR Usage: LIST [msg]");
            return;
        }
        if (c.args().size() == 1) {
            int n = message(c.args().get(0));
            if (n > 0) {
                send("+OK " + n + " " + (uidl ? maildrop.uniqueId(n) : maildrop.get(n).size()));
            }
            return;
        }
        // Made as the socket takes it, like a message body: a client that pipelines listings and
        // reads nothing must not make the server queue one whole listing per line it sent.
        send(uidl ? "+OK Unique-ID listing follows"
                : "+OK " + maildrop.count() + " messages (" + maildrop.octets() + " octets)");
        stream(new Listing(maildrop, uidl));
    }

    private void dele(Command c) {
        if (c.args().size() != 1) {
            error("-ERR Usage: DELE msg");
            return;
        }
        int n = message(c.args().get(0));
        if (n > 0) {
            maildrop.delete(n);
            send("+OK Message " + n + " deleted");
        }
    }

    private void retr(Command c) {
        if (c.args().size() != 1) {
            error("-ERR Usage: RETR msg");
            return;
        }
        int n = message(c.args().get(0));
        if (n > 0) {
            startTransfer(n, BodyStream.ALL, "+OK " + maildrop.get(n).size() + " octets");
        }
    }

    private void top(Command c) {
        if (c.args().size() != 2) {
            error("-ERR Usage: TOP msg lines");
            return;
        }
        String lines = c.args().get(1);
        if (!lines.chars().allMatch(ch -> ch >= '0' && ch <= '9') || lines.length() > 18) {
            error("-ERR Invalid number of lines");
            return;
        }
        int n = message(c.args().get(0));
        if (n > 0) {
            startTransfer(n, Long.parseLong(lines), "+OK Top of message follows");
        }
    }

    /** The message number {@code arg} names, after replying {@code -ERR} and returning -1 when it names none. */
    private int message(String arg) {
        int n = Command.number(arg);
        if (n < 0) {
            error("-ERR Invalid message number");
        } else if (!maildrop.exists(n)) {
            error("-ERR No such message");
            return -1;
        } else if (maildrop.isDeleted(n)) {
            error("-ERR Message " + n + " already deleted");
            return -1;
        }
        return n;
    }

    // ---- streaming a body ----

    private void startTransfer(int n, long bodyLines, String ok) {
        MailStore store = server.mailStore;
        Optional<InputStream> in;
        try {
            if (store == null) {
                throw new IOException("no mail store");
            }
            in = store.open(login.accountId(), MailStore.INBOX, maildrop.uidValidity(), maildrop.get(n).uid());
        } catch (IOException | RuntimeException e) {
            LOG.warn("Postern POP3: cannot open a message: {}", e.toString());
            send("-ERR [SYS/TEMP] Message not available now, try again later");
            return;
        }
        if (in.isEmpty()) {
            send("-ERR Message " + n + " no longer exists");
            return;
        }
        send(ok);
        stream(new BodyStream(in.get(), bodyLines));
    }

    /** Sends a multi-line response body as the socket takes it; commands wait until it has all been written. */
    private void stream(Chunked body) {
        transfer = body;
        ReadThrottle.hold(io);
        pump();
    }

    /**
     * Writes chunks while less than {@link #WINDOW} octets are waiting to leave; then returns, and
     * the completion of the writes brings the next {@link #PUMP}. A slow reader holds only its own
     * transfer, never a worker.
     */
    void pump() {
        Chunked t = transfer;
        if (t == null || state == State.CLOSED) {
            return;
        }
        lastProgress = System.nanoTime();
        try {
            while (inFlight.get() < WINDOW) {
                byte[] chunk = t.next(CHUNK);
                if (chunk == null) {
                    endTransfer();
                    return;
                }
                long size = chunk.length;
                inFlight.addAndGet(size);
                io.write(IoBuffer.wrap(chunk)).addListener(f -> {
                    if (inFlight.addAndGet(-size) <= WINDOW / 2 && waiting.compareAndSet(true, false)) {
                        Pop3Handler.fire(io, PUMP);
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            // After "+OK" there is no way to say -ERR: the connection ends, and with it the session.
            LOG.warn("Postern POP3: reading a message failed mid-transfer: {}", e.toString());
            closeTransfer();
            io.closeNow();
            return;
        }
        waiting.set(true);
        // The writes may all have left between the loop's last check and the flag going up.
        if (inFlight.get() <= WINDOW / 2 && waiting.compareAndSet(true, false)) {
            Pop3Handler.fire(io, PUMP);
        }
    }

    private void endTransfer() {
        closeTransfer();
        ReadThrottle.release(io);
        drain();
    }

    private void closeTransfer() {
        Chunked t = transfer;
        transfer = null;
        if (t != null) {
            try {
                t.close();
            } catch (IOException e) {
                LOG.debug("Postern POP3: closing a message failed: {}", e.toString());
            }
        }
    }

    /** Handles the lines that waited while a login or a transfer ran, until the next one starts. */
    private void drain() {
        while (!busy() && !queued.isEmpty()) {
            handle(queued.poll());
        }
    }

    // ---- replies ----

    private void error(String line) {
        send(line);
        if (++errors >= MAX_ERRORS) {
            send("-ERR Too many errors");
            end();
        }
    }

    private void send(String line) {
        write(line + "\r\n");
    }

    private void write(String text) {
        io.write(IoBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Closes once everything written has left; nothing more is read or answered. */
    private void end() {
        state = State.CLOSED;
        queued.clear();
        io.closeOnFlush();
    }
}
