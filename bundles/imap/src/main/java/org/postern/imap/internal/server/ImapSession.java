package org.postern.imap.internal.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLContext;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;
import org.postern.api.auth.AuthUnavailableException;
import org.postern.api.auth.Authenticator;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;
import org.postern.api.mail.FolderExistsException;
import org.postern.api.mail.FolderNotFoundException;
import org.postern.api.mail.Mailboxes;
import org.postern.api.mail.Mailboxes.FolderInfo;
import org.postern.api.mail.Mailboxes.MessageInfo;
import org.postern.api.mail.OverQuotaException;
import org.postern.imap.internal.decode.Command;
import org.postern.imap.internal.decode.FramedRequest;
import org.postern.imap.internal.decode.ImapDecodeException;
import org.postern.imap.internal.decode.ImapFramer;
import org.postern.imap.internal.decode.ImapRequest;
import org.postern.imap.internal.decode.ImapRequestParser;
import org.postern.imap.internal.decode.Limits;
import org.postern.imap.internal.decode.ModifiedUtf7;
import org.postern.imap.internal.decode.PlainLines;
import org.postern.imap.internal.decode.Rejection;
import org.postern.imap.internal.decode.StatusItem;
import org.postern.protocol.Chunk;
import org.postern.protocol.ReadThrottle;
import org.postern.protocol.Tls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One IMAP session (RFC 3501 with the extensions in {@link #capabilities}). Runs on the
 * listener's ordered worker pool, one event at a time; nothing here waits for another party:
 * logins are asynchronous (reads held until the answer comes back as an event), responses and
 * bodies leave through the {@link Outbox} as the socket takes them (reads held while it is full),
 * and other sessions' changes arrive as events.
 */
final class ImapSession implements ImapFramer.Receiver {
    private static final Logger LOG = LoggerFactory.getLogger(ImapSession.class);
    private static final ImapRequestParser PARSER = new ImapRequestParser();

    enum State { NOT_AUTHENTICATED, AUTHENTICATED, SELECTED, LOGOUT }

    /** Continue writing: the socket took half the window. */
    static final Object PUMP = new Object();
    /** The account's mail changed (another session, a delivery, another node). */
    static final Object CHANGED = new Object();
    /** The login was revoked (app password deleted, account locked). */
    static final Object REVOKED = new Object();

    /** A login's outcome, back in the ordered stream. */
    record LoginDone(String tag, Optional<Login> login, Throwable failure) {
        void discard() {
            if (login != null) {
                login.ifPresent(Login::close);
            }
        }
    }

    static final int MAX_AUTH_FAILURES = 3;
    static final int MAX_BAD = 50;

    private final ImapServer server;
    private final IoSession io;
    private final InetAddress client;
    private ImapFramer framer;
    final Outbox outbox;
    private final ArrayDeque<Object> queue = new ArrayDeque<>();

    private State state = State.NOT_AUTHENTICATED;
    private boolean tls;
    private volatile boolean tlsStarting;
    private boolean held;
    private boolean closed;
    private int bad;
    private int authFailures;
    private String pendingLoginTag;
    private String saslTag;
    private String idleTag;
    private boolean condstore;
    private volatile Login login;
    private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
    private SelectedFolder selected;
    private boolean changesPending;
    private long sentAtLastIdle = -1;

    ImapSession(ImapServer server, IoSession io) {
        this.server = server;
        this.io = io;
        this.client = ((InetSocketAddress) io.getRemoteAddress()).getAddress();
        this.tls = io.getFilterChain().contains(SslFilter.class);
        this.outbox = new Outbox(io, () -> ImapHandler.fire(io, PUMP));
        this.framer = newFramer();
        server.register(this, io);
        // Also when sessionClosed never reaches the handler (a TLS filter that failed, a worker
        // pool shut down with the event queued): the login and the registry entry go regardless.
        io.getCloseFuture().addListener(f -> release());
    }

    /** Releases what outlives a connection: the login and the server's registry entry. Once. */
    private void release() {
        if (released.compareAndSet(false, true)) {
            Login l = login;
            server.forget(l == null ? null : l.accountId(), this);
            if (l != null) {
                l.close();
            }
        }
    }

    private ImapFramer newFramer() {
        return new ImapFramer(Limits.defaults().withMaxAppendLiteral(server.settings().maxAppendSize()), server.spool(), this);
    }

    // ---- events ----

    /** Seconds a client that has not logged in may stay silent. */
    static final int LOGIN_TIMEOUT_SECONDS = 60;

    void open() {
        io.getConfig().setIdleTime(org.apache.mina.core.session.IdleStatus.READER_IDLE,
                Math.min(LOGIN_TIMEOUT_SECONDS, server.settings().idleTimeoutSeconds()));
        send("* OK [CAPABILITY " + capabilities() + "] Postern IMAP ready");
        flush();
    }

    void received(Chunk chunk) {
        if (closed) {
            return;
        }
        if (tls && !chunk.secure()) {
            return; // sent in clear text before STARTTLS took effect: never obeyed under TLS
        }
        framer.feed(chunk.bytes());
        drain();
    }

    @Override
    public void continuation() {
        send("+ Ready for literal data");
        flush();
    }

    /**
     * Called by the framer as soon as a request is complete, before it frames what follows: a
     * command whose next line is not a command (IDLE's DONE, AUTHENTICATE's response) must say so
     * now, or a pipelined DONE would be framed as a command and what follows it as a DONE.
     */
    @Override
    public void request(FramedRequest request) {
        if (request.lineCount() == 1 && expectsPlainLine(request.firstLine())) {
            framer.expectLine();
        }
        queue.add(request);
    }

    static boolean expectsPlainLine(String line) {
        String[] words = line.trim().split(" ");
        if (words.length == 2 && words[1].equalsIgnoreCase("IDLE")) {
            return true;
        }
        return words.length == 3 && words[1].equalsIgnoreCase("AUTHENTICATE");
    }

    @Override
    public boolean mayAppend() {
        return state == State.AUTHENTICATED || state == State.SELECTED;
    }

    @Override
    public void rejected(Rejection rejection) {
        queue.add(rejection);
    }

    @Override
    public void fatal(Rejection bye) {
        queue.add(bye);
    }

    void pump() {
        flush();
        drain();
    }

    void changed() {
        changesPending = true;
        if (idleTag != null && !busy()) {
            sendChanges(true);
            flush();
        }
    }

    void revoked() {
        if (!closed) {
            send("* BYE Login no longer valid");
            flush();
            end();
        }
    }

    /**
     * The client sent nothing for the idle timeout. A client still taking a long response (a big
     * message on a slow link) is not idle: only when nothing left either since the last check.
     */
    void idle() {
        long sentNow = outbox.sent();
        boolean sending = !outbox.drained() || outbox.inFlight() > 0;
        if (sending && sentNow != sentAtLastIdle) {
            sentAtLastIdle = sentNow;
            return;
        }
        if (!closed) {
            send("* BYE Autologout; idle for too long");
            flush();
            end();
        }
    }

    /** The connection is gone: release everything the session holds. */
    void closed() {
        closed = true;
        state = State.LOGOUT;
        framer.close();
        outbox.close();
        for (Object o : queue) {
            if (o instanceof FramedRequest) {
                ((FramedRequest) o).close();
            }
        }
        queue.clear();
        release();
    }

    // ---- flow ----

    private boolean busy() {
        return pendingLoginTag != null || tlsStarting || closed || !outbox.drained();
    }

    private void drain() {
        while (!busy() && !queue.isEmpty()) {
            Object next = queue.poll();
            if (next instanceof Rejection r) {
                if (idleTag != null || saslTag != null) {
                    // The line IDLE or AUTHENTICATE waited for was refused (too long): that ends it.
                    String t = idleTag != null ? idleTag : saslTag;
                    idleTag = null;
                    saslTag = null;
                    send(t + " BAD Expected " + (t.equals(r.tag()) ? "a response" : "DONE"));
                    continue;
                }
                if (r.status() == Rejection.Status.BYE) {
                    outbox.add(r.bytes());
                    flush();
                    end();
                    return;
                }
                outbox.add(r.bytes());
                countBad();
            } else {
                handle((FramedRequest) next);
            }
            flush();
        }
        if (busy() && !held && !closed) {
            held = true;
            ReadThrottle.hold(io);
        } else if (!busy() && held) {
            held = false;
            ReadThrottle.release(io);
        }
    }

    void send(String line) {
        outbox.add((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private void flush() {
        if (closed) {
            return;
        }
        try {
            outbox.pump();
        } catch (UncheckedIOException e) {
            // A body announced as a literal can no longer be read: the stream cannot be mended.
            LOG.warn("Postern IMAP: a message body could not be read while sending it: {}", e.getCause().toString());
            end();
        }
    }

    private void end() {
        closed = true;
        state = State.LOGOUT;
        io.closeOnFlush();
    }

    private void countBad() {
        if (++bad >= MAX_BAD) {
            send("* BYE Too many errors");
            flush();
            end();
        }
    }

    // ---- dispatch ----

    private void handle(FramedRequest framed) {
        String tag = null;
        try {
            if (idleTag != null) {
                idleLine(framed);
                return;
            }
            if (saslTag != null) {
                saslLine(framed);
                return;
            }
            ImapRequest request;
            try {
                request = PARSER.parse(framed);
            } catch (ImapDecodeException e) {
                outbox.add(e.rejection().bytes());
                countBad();
                return;
            }
            tag = request.tag();
            if (!allowed(request.command())) {
                send(request.tag() + " BAD " + request.command() + " not allowed now");
                countBad();
                return;
            }
            dispatch(request);
        } catch (RuntimeException e) {
            LOG.warn("Postern IMAP: a command failed", e);
            send((tag == null ? "*" : tag) + " BAD Internal error");
        } finally {
            framed.close();
        }
    }

    private boolean allowed(Command c) {
        return switch (c) {
            case CAPABILITY, NOOP, LOGOUT, ID -> true;
            case STARTTLS, LOGIN, AUTHENTICATE -> state == State.NOT_AUTHENTICATED;
            case SELECT, EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST, LSUB, NAMESPACE, STATUS,
                    APPEND, ENABLE, IDLE, GETQUOTA, GETQUOTAROOT, SETQUOTA ->
                    state == State.AUTHENTICATED || state == State.SELECTED;
            case CHECK, CLOSE, UNSELECT, EXPUNGE, SEARCH, FETCH, STORE, COPY, MOVE -> state == State.SELECTED;
        };
    }

    private void dispatch(ImapRequest r) {
        String tag = r.tag();
        switch (r.command()) {
            case CAPABILITY -> {
                send("* CAPABILITY " + capabilities());
                done(tag, "CAPABILITY completed");
            }
            case NOOP, CHECK -> done(tag, r.command() + " completed");
            case LOGOUT -> {
                send("* BYE Logging out");
                send(tag + " OK LOGOUT completed");
                flush();
                end();
            }
            case ID -> {
                send("* ID (\"name\" \"Postern\")");
                send(tag + " OK ID completed");
            }
            case STARTTLS -> startTls(tag);
            case LOGIN -> {
                ImapRequest.Login l = (ImapRequest.Login) r;
                if (plaintextRefused()) {
                    send(tag + " NO [PRIVACYREQUIRED] Use STARTTLS or port 993 first");
                    return;
                }
                startLogin(tag, l.user(), l.password().toCharArray());
            }
            case AUTHENTICATE -> authenticate((ImapRequest.Authenticate) r);
            case ENABLE -> {
                ImapRequest.Enable e = (ImapRequest.Enable) r;
                List<String> enabled = new ArrayList<>();
                if (e.capabilities().contains("CONDSTORE") && !condstore) {
                    condstore = true;
                    enabled.add("CONDSTORE");
                }
                send("* ENABLED" + (enabled.isEmpty() ? "" : " " + String.join(" ", enabled)));
                send(tag + " OK ENABLE completed");
            }
            case SELECT, EXAMINE -> select((ImapRequest.Select) r);
            case CREATE -> create((ImapRequest.Create) r);
            case DELETE -> onFolder(tag, () -> {
                String name = ((ImapRequest.OnMailbox) r).mailbox();
                if (name.equals("INBOX")) {
                    send(tag + " NO [CANNOT] INBOX cannot be deleted");
                    return;
                }
                mailboxes().deleteFolder(accountId(), name);
                done(tag, "DELETE completed");
            });
            case RENAME -> onFolder(tag, () -> {
                ImapRequest.Rename rn = (ImapRequest.Rename) r;
                mailboxes().renameFolder(accountId(), rn.from(), rn.to());
                done(tag, "RENAME completed");
            });
            case SUBSCRIBE, UNSUBSCRIBE -> onFolder(tag, () -> {
                String name = ((ImapRequest.OnMailbox) r).mailbox();
                mailboxes().setSubscribed(accountId(), name, r.command() == Command.SUBSCRIBE);
                done(tag, r.command() + " completed");
            });
            case LIST -> onFolder(tag, () -> {
                ImapRequest.ListMailboxes l = (ImapRequest.ListMailboxes) r;
                if (!Listing.acceptable(l.patterns(), l.reference())) {
                    send(tag + " BAD Too many or too long patterns");
                    return;
                }
                Listing.list(this, l, mailboxes().folders(accountId()));
                done(tag, "LIST completed");
            });
            case LSUB -> onFolder(tag, () -> {
                ImapRequest.Lsub l = (ImapRequest.Lsub) r;
                if (!Listing.acceptable(List.of(l.pattern()), l.reference())) {
                    send(tag + " BAD Pattern too long");
                    return;
                }
                Listing.lsub(this, l, mailboxes().folders(accountId()));
                done(tag, "LSUB completed");
            });
            case NAMESPACE -> {
                send("* NAMESPACE ((\"\" \"/\")) NIL NIL");
                done(tag, "NAMESPACE completed");
            }
            case STATUS -> onFolder(tag, () -> {
                ImapRequest.Status s = (ImapRequest.Status) r;
                FolderInfo f = mailboxes().folder(accountId(), s.mailbox())
                        .orElseThrow(() -> new FolderNotFoundException(s.mailbox()));
                send(Listing.status(f, s.items()));
                done(tag, "STATUS completed");
            });
            case APPEND -> append((ImapRequest.Append) r);
            case IDLE -> {
                idleTag = tag;
                framer.expectLine();
                send("+ idling");
                sendChanges(true);
            }
            case GETQUOTA, GETQUOTAROOT -> onFolder(tag, () -> {
                if (r.command() == Command.GETQUOTAROOT) {
                    String name = ((ImapRequest.OnMailbox) r).mailbox();
                    mailboxes().folder(accountId(), name).orElseThrow(() -> new FolderNotFoundException(name));
                    send("* QUOTAROOT " + Responses.string(ModifiedUtf7.encode(name)) + " \"\"");
                } else if (!((ImapRequest.GetQuota) r).root().isEmpty()) {
                    send(tag + " NO No such quota root");
                    return;
                }
                Mailboxes.QuotaUsage q = mailboxes().quota(accountId());
                send(q.limit() > 0
                        ? "* QUOTA \"\" (STORAGE " + (q.used() + 1023) / 1024 + " " + q.limit() / 1024 + ")"
                        : "* QUOTA \"\" ()");
                done(tag, r.command() + " completed");
            });
            case SETQUOTA -> send(tag + " NO [NOPERM] Quotas are set by the operator");
            case CLOSE -> onFolder(tag, () -> {
                SelectedFolder f = selected;
                selected = null;
                state = State.AUTHENTICATED;
                if (!f.readOnly) {
                    try {
                        mailboxes().expunge(accountId(), f.name, f.uidValidity, null);
                    } catch (FolderNotFoundException gone) {
                        // deleted meanwhile: nothing left to expunge
                    }
                }
                send(tag + " OK CLOSE completed");
            });
            case UNSELECT -> {
                selected = null;
                state = State.AUTHENTICATED;
                send(tag + " OK UNSELECT completed");
            }
            case EXPUNGE -> expunge((ImapRequest.Expunge) r);
            case SEARCH -> onFolder(tag, () -> {
                ImapRequest.Search s = (ImapRequest.Search) r;
                if (!s.uid()) {
                    sendChanges(false);
                } else {
                    sendChanges(true);
                }
                new Searching(this, selected, mailboxes(), accountId()).search(s);
            });
            case FETCH -> onFolder(tag, () -> {
                ImapRequest.Fetch f = (ImapRequest.Fetch) r;
                sendChanges(f.uid());
                new Fetching(this, selected, mailboxes(), accountId(), condstore).fetch(f);
            });
            case STORE -> onFolder(tag, () -> {
                ImapRequest.Store s = (ImapRequest.Store) r;
                sendChanges(s.uid());
                store(s);
            });
            case COPY, MOVE -> onFolder(tag, () -> transfer((ImapRequest.Transfer) r));
        }
    }

    void done(String tag, String text) {
        sendChanges(true);
        send(tag + " OK " + text);
    }

    /** Runs a command that asks the store, turning the store's refusals into protocol answers. */
    private void onFolder(String tag, Runnable work) {
        try {
            work.run();
        } catch (FolderNotFoundException e) {
            send(tag + " NO [NONEXISTENT] No such mailbox");
        } catch (FolderExistsException e) {
            send(tag + " NO [ALREADYEXISTS] Mailbox exists");
        } catch (OverQuotaException e) {
            send(tag + " NO [OVERQUOTA] Quota exceeded");
        } catch (IllegalArgumentException e) {
            send(tag + " NO [CANNOT] " + printable(e.getMessage()));
        } catch (IllegalStateException e) {
            LOG.warn("Postern IMAP: {} failed: {}", tag, e.toString());
            send(tag + " NO [UNAVAILABLE] Mail store not available, try again later");
        } catch (RuntimeException e) {
            if (e instanceof UncheckedIOException) {
                throw e;
            }
            LOG.warn("Postern IMAP: a command failed: {}", e.toString());
            send(tag + " NO [UNAVAILABLE] Mail store not available, try again later");
        }
    }

    /** A message fit for a response line: printable ASCII only (folder names may be anything). */
    static String printable(String text) {
        StringBuilder b = new StringBuilder();
        String t = text == null ? "" : text;
        for (int i = 0; i < t.length() && b.length() < 200; i++) {
            char c = t.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    Mailboxes mailboxes() {
        Mailboxes m = server.mailboxes;
        if (m == null) {
            throw new IllegalStateException("mail store not available");
        }
        return m;
    }

    String accountId() {
        return login.accountId();
    }

    // ---- updates from elsewhere ----

    /**
     * Sends what other sessions and deliveries changed in the selected folder. EXPUNGE only when
     * allowed: not during FETCH, STORE and SEARCH by sequence number (RFC 3501 7.4.1).
     */
    void sendChanges(boolean expungesAllowed) {
        if (selected == null || !changesPending || server.mailboxes == null) {
            return;
        }
        try {
            FolderSnapshot now = server.indexes().current(mailboxes(), accountId(), selected.name);
            for (String line : selected.apply(now, expungesAllowed, condstore)) {
                send(line);
            }
            if (expungesAllowed) {
                changesPending = false;
            }
        } catch (FolderNotFoundException gone) {
            send("* BYE The selected mailbox was deleted");
            flush();
            end();
        } catch (RuntimeException e) {
            LOG.debug("Postern IMAP: changes not available now: {}", e.toString());
        }
    }

    // ---- TLS and login ----

    private boolean plaintextRefused() {
        return !tls && !server.settings().allowPlaintextAuth() && !client.isLoopbackAddress();
    }

    String capabilities() {
        StringBuilder b = new StringBuilder("IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE "
                + "CHILDREN SPECIAL-USE LIST-EXTENDED LIST-STATUS CONDSTORE QUOTA QUOTA=RES-STORAGE");
        if (state == State.NOT_AUTHENTICATED) {
            if (!tls && server.tls() != null) {
                b.append(" STARTTLS");
            }
            if (plaintextRefused()) {
                b.append(" LOGINDISABLED");
            } else {
                b.append(" AUTH=PLAIN");
            }
        }
        return b.toString();
    }

    private void startTls(String tag) {
        if (tls) {
            send(tag + " BAD TLS already active");
            return;
        }
        SSLContext context = server.tls();
        if (context == null) {
            send(tag + " NO TLS not available");
            return;
        }
        // The reply leaves in clear text and the TLS filter is in before the client's handshake
        // is read; whatever the client pipelined in clear text after STARTTLS is discarded.
        // Reads are held from before the write until the filter is in: the write listener runs
        // on this worker when the write completed before addListener, and a ClientHello read in
        // that gap would be dropped as clear text, hanging the session (as SMTP and POP3 do).
        ReadThrottle.hold(io);
        tls = true;
        tlsStarting = true;
        for (Object o : queue) {
            if (o instanceof FramedRequest) {
                ((FramedRequest) o).close();
            }
        }
        queue.clear();
        framer.close();
        framer = newFramer();
        flush();
        io.write(IoBuffer.wrap((tag + " OK Begin TLS negotiation now\r\n").getBytes(StandardCharsets.US_ASCII)))
                .addListener(f -> {
                    try {
                        io.getFilterChain().addFirst("tls", Tls.filter(context));
                    } finally {
                        tlsStarting = false;
                        ReadThrottle.release(io);
                        ImapHandler.fire(io, PUMP);
                    }
                });
    }

    private void authenticate(ImapRequest.Authenticate a) {
        String tag = a.tag();
        if (!a.mechanism().equalsIgnoreCase("PLAIN")) {
            send(tag + " NO [CANNOT] Only AUTHENTICATE PLAIN is offered");
            return;
        }
        if (plaintextRefused()) {
            send(tag + " NO [PRIVACYREQUIRED] Use STARTTLS or port 993 first");
            return;
        }
        byte[] ir = a.initialResponse();
        if (ir == null) {
            saslTag = tag;
            framer.expectLine();
            send("+ ");
            return;
        }
        plain(tag, ir);
    }

    private void saslLine(FramedRequest line) {
        String tag = saslTag;
        saslTag = null;
        try {
            PlainLines.SaslResponse r = PlainLines.saslResponse(line, tag);
            if (r.cancelled()) {
                send(tag + " BAD AUTHENTICATE cancelled");
                return;
            }
            plain(tag, r.data());
        } catch (ImapDecodeException e) {
            outbox.add(e.rejection().bytes());
        }
    }

    /** RFC 4616: [authzid] NUL authcid NUL passwd; an authzid must be the authcid. */
    private void plain(String tag, byte[] data) {
        int first = indexOf(data, 0);
        int second = first < 0 ? -1 : indexOf(data, first + 1);
        if (first < 0 || second < 0) {
            Arrays.fill(data, (byte) 0);
            send(tag + " BAD Malformed PLAIN response");
            return;
        }
        String authzid = new String(data, 0, first, StandardCharsets.UTF_8);
        String authcid = new String(data, first + 1, second - first - 1, StandardCharsets.UTF_8);
        java.nio.CharBuffer chars = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(data, second + 1,
                data.length - second - 1));
        char[] secret = new char[chars.remaining()];
        chars.get(secret);
        Arrays.fill(chars.array(), '\0');
        Arrays.fill(data, (byte) 0);
        if (!authzid.isEmpty() && !authzid.equalsIgnoreCase(authcid)) {
            Arrays.fill(secret, '\0');
            loginFailed(tag);
            return;
        }
        startLogin(tag, authcid, secret);
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private void startLogin(String tag, String user, char[] secret) {
        Authenticator authenticator = server.authenticator;
        if (authenticator == null || server.mailboxes == null) {
            Arrays.fill(secret, '\0');
            send(tag + " NO [UNAVAILABLE] Temporary authentication failure, try again later");
            return;
        }
        CompletionStage<Optional<Login>> stage;
        try {
            // The authenticator reads the secret on its own thread and clears it itself.
            stage = authenticator.login(Protocol.IMAP, user, secret, client);
        } catch (RuntimeException e) {
            Arrays.fill(secret, '\0');
            stage = CompletableFuture.failedFuture(e);
        }
        pendingLoginTag = tag;
        stage.whenComplete((result, failure) -> {
            LoginDone done = new LoginDone(tag, result, failure);
            if (!ImapHandler.fire(io, done)) {
                done.discard();
            }
        });
    }

    void loginDone(LoginDone done) {
        String tag = pendingLoginTag;
        pendingLoginTag = null;
        try {
            if (closed || state != State.NOT_AUTHENTICATED) {
                done.discard();
                return;
            }
            if (done.failure() != null) {
                Throwable cause = done.failure() instanceof CompletionException && done.failure().getCause() != null
                        ? done.failure().getCause() : done.failure();
                if (!(cause instanceof AuthUnavailableException)) {
                    LOG.warn("Postern IMAP: the authenticator failed: {}", cause.toString());
                }
                send(tag + " NO [UNAVAILABLE] Temporary authentication failure, try again later");
                return;
            }
            Optional<Login> result = done.login();
            if (result.isEmpty() || result.get().isRevoked()) {
                done.discard();
                loginFailed(tag);
                return;
            }
            Login l = result.get();
            try {
                mailboxes().ensureDefaultFolders(l.accountId());
            } catch (RuntimeException e) {
                l.close();
                LOG.warn("Postern IMAP: the mail store is not available: {}", e.toString());
                send(tag + " NO [UNAVAILABLE] Mail store not available, try again later");
                return;
            }
            login = l;
            state = State.AUTHENTICATED;
            authFailures = 0;
            io.getConfig().setIdleTime(org.apache.mina.core.session.IdleStatus.READER_IDLE,
                    server.settings().idleTimeoutSeconds());
            server.watch(l.accountId(), this);
            if (released.get()) {
                // The connection went while the login was being made.
                server.forget(l.accountId(), this);
                l.close();
                return;
            }
            l.onRevoked(() -> ImapHandler.fire(io, REVOKED));
            send(tag + " OK [CAPABILITY " + capabilities() + "] Logged in");
        } finally {
            flush();
            drain();
        }
    }

    private void loginFailed(String tag) {
        send(tag + " NO [AUTHENTICATIONFAILED] Authentication failed");
        if (++authFailures >= MAX_AUTH_FAILURES) {
            send("* BYE Too many failed logins");
            flush();
            end();
        }
    }

    // ---- mailboxes ----

    private void select(ImapRequest.Select s) {
        String tag = s.tag();
        selected = null;
        state = State.AUTHENTICATED;
        onFolder(tag, () -> {
            FolderSnapshot snapshot = server.indexes().current(mailboxes(), accountId(), s.mailbox());
            boolean readOnly = s.command() == Command.EXAMINE;
            if (s.condstore()) {
                condstore = true;
            }
            SelectedFolder f = new SelectedFolder(snapshot, readOnly);
            changesPending = false;
            send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
            send("* OK [PERMANENTFLAGS " + (readOnly ? "()" : "(\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)")
                    + "] Flags permitted");
            send("* " + f.size() + " EXISTS");
            send("* 0 RECENT");
            long unseen = f.unseenFirst();
            if (unseen > 0) {
                send("* OK [UNSEEN " + unseen + "] First unseen");
            }
            send("* OK [UIDVALIDITY " + f.uidValidity + "] UIDs valid");
            send("* OK [UIDNEXT " + f.uidNext + "] Predicted next UID");
            send("* OK [HIGHESTMODSEQ " + f.highestModseq + "] Highest");
            selected = f;
            state = State.SELECTED;
            send(tag + " OK [" + (readOnly ? "READ-ONLY" : "READ-WRITE") + "] " + s.command() + " completed");
        });
    }

    private void create(ImapRequest.Create c) {
        onFolder(c.tag(), () -> {
            String name = c.mailbox();
            while (name.endsWith("/")) {
                name = name.substring(0, name.length() - 1);
            }
            if (name.isEmpty() || name.equals("INBOX")) {
                send(c.tag() + " NO [ALREADYEXISTS] Mailbox exists");
                return;
            }
            String use = c.specialUse().isEmpty() ? null : c.specialUse().get(0);
            if (use != null && !Set.of(Mailboxes.SENT, Mailboxes.DRAFTS, Mailboxes.TRASH, Mailboxes.JUNK,
                    Mailboxes.ARCHIVE).contains(use)) {
                send(c.tag() + " NO [USEATTR] Unsupported special-use attribute");
                return;
            }
            mailboxes().createFolder(accountId(), name, use);
            done(c.tag(), "CREATE completed");
        });
    }

    private void append(ImapRequest.Append a) {
        onFolder(a.tag(), () -> {
            Set<String> flags = new LinkedHashSet<>(a.flags());
            flags.remove("\\Recent");
            java.time.Instant date = a.internalDate() == null ? null : a.internalDate().toInstant();
            Mailboxes.AppendResult r;
            try (InputStream in = a.message().open()) {
                r = mailboxes().append(accountId(), a.mailbox(), in, flags, date);
            } catch (FolderNotFoundException e) {
                send(a.tag() + " NO [TRYCREATE] No such mailbox");
                return;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            done(a.tag(), "[APPENDUID " + r.uidValidity() + " " + r.uid() + "] APPEND completed");
        });
    }

    private void expunge(ImapRequest.Expunge e) {
        String tag = e.tag();
        if (selected.readOnly) {
            send(tag + " NO [READ-ONLY] Mailbox is read-only");
            return;
        }
        onFolder(tag, () -> {
            List<Long> uids = null;
            if (e.uid()) {
                uids = new ArrayList<>();
                for (int seq : selected.resolve(e.uids(), true)) {
                    uids.add(selected.bySeq(seq).uid());
                }
            }
            List<Long> gone = mailboxes().expunge(accountId(), selected.name, selected.uidValidity, uids);
            reportExpunged(gone);
            done(tag, "EXPUNGE completed");
        });
    }

    private void reportExpunged(List<Long> uids) {
        // Highest first: removing a message does not renumber those below it.
        for (int seq : selected.removeAll(uids)) {
            send("* " + seq + " EXPUNGE");
        }
    }

    private void store(ImapRequest.Store s) {
        String tag = s.tag();
        if (selected.readOnly) {
            send(tag + " NO [READ-ONLY] Mailbox is read-only");
            return;
        }
        int[] seqs = selected.resolve(s.set(), s.uid());
        if (seqs == null) {
            send(tag + " BAD Message number out of range");
            return;
        }
        List<Long> uids = new ArrayList<>(seqs.length);
        for (int seq : seqs) {
            uids.add(selected.bySeq(seq).uid());
        }
        Set<String> flags = new HashSet<>(s.flags());
        flags.remove("\\Recent");
        Mailboxes.FlagUpdate how = switch (s.mode()) {
            case REPLACE -> Mailboxes.FlagUpdate.REPLACE;
            case ADD -> Mailboxes.FlagUpdate.ADD;
            case REMOVE -> Mailboxes.FlagUpdate.REMOVE;
        };
        long unchangedSince = s.unchangedSince() == null ? 0 : s.unchangedSince();
        if (s.unchangedSince() != null) {
            condstore = true;
        }
        Mailboxes.StoreResult result = uids.isEmpty() ? new Mailboxes.StoreResult(List.of(), List.of())
                : mailboxes().storeFlags(accountId(), selected.name, selected.uidValidity, uids, how, flags,
                        unchangedSince);
        selected.update(result.updated());
        // Every message named gets its flags back (RFC 3501 6.4.6), also those the store left
        // as they were (a flag added that was there already); conflicts are reported below.
        Set<Long> conflicts = new HashSet<>(result.conflicts());
        for (long uid : uids) {
            int seq = selected.seqOf(uid);
            if (seq <= 0 || conflicts.contains(uid) || s.silent() && !condstore) {
                continue;
            }
            MessageInfo m = selected.bySeq(seq);
            send("* " + seq + " FETCH (" + (s.uid() ? "UID " + m.uid() + " " : "")
                    + (s.silent() ? "" : "FLAGS " + Responses.flags(m.flags()) + (condstore ? " " : ""))
                    + (condstore ? "MODSEQ (" + m.modseq() + ")" : "") + ")");
        }
        if (!result.conflicts().isEmpty()) {
            StringBuilder set = new StringBuilder();
            for (long uid : result.conflicts()) {
                int seq = selected.seqOf(uid);
                if (seq > 0) {
                    set.append(set.length() == 0 ? "" : ",").append(s.uid() ? uid : seq);
                }
            }
            send(tag + " OK [MODIFIED " + set + "] Conditional STORE failed for some");
            return;
        }
        send(tag + " OK STORE completed");
    }

    private void transfer(ImapRequest.Transfer t) {
        String tag = t.tag();
        boolean move = t.command() == Command.MOVE;
        if (move && selected.readOnly) {
            send(tag + " NO [READ-ONLY] Mailbox is read-only");
            return;
        }
        int[] seqs = selected.resolve(t.set(), t.uid());
        if (seqs == null) {
            send(tag + " BAD Message number out of range");
            return;
        }
        List<Long> uids = new ArrayList<>(seqs.length);
        for (int seq : seqs) {
            uids.add(selected.bySeq(seq).uid());
        }
        if (uids.isEmpty()) {
            send(tag + " OK " + t.command() + " completed (nothing to do)");
            return;
        }
        if (mailboxes().folder(accountId(), t.mailbox()).isEmpty()) {
            send(tag + " NO [TRYCREATE] No such mailbox");
            return;
        }
        Mailboxes.CopyResult r = mailboxes().copy(accountId(), selected.name, selected.uidValidity, uids, t.mailbox(), move);
        String copyUid = "[COPYUID " + r.targetUidValidity() + " " + join(r.sourceUids()) + " " + join(r.targetUids()) + "]";
        if (move) {
            send("* OK " + copyUid + " Moved");
            reportExpunged(r.sourceUids());
            done(tag, "MOVE completed");
        } else {
            done(tag, copyUid + " COPY completed");
        }
    }

    private static String join(List<Long> uids) {
        StringBuilder b = new StringBuilder();
        for (long u : uids) {
            b.append(b.length() == 0 ? "" : ",").append(u);
        }
        return b.toString();
    }

    private void idleLine(FramedRequest line) {
        String tag = idleTag;
        idleTag = null;
        if (PlainLines.isDone(line)) {
            done(tag, "IDLE terminated");
        } else {
            send(tag + " BAD Expected DONE");
            countBad();
        }
    }

    /** For {@link Listing}: STATUS items of LIST-STATUS. */
    static String statusOf(FolderInfo f, List<StatusItem> items) {
        return Listing.status(f, items);
    }
}
