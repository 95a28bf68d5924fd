package org.postern.submission.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLContext;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.IoSession;
import org.postern.api.auth.AuthUnavailableException;
import org.postern.api.auth.Authenticator;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;
import org.postern.api.address.MailAddress;
import org.postern.api.policy.RecipientPolicy;
import org.postern.api.policy.RecipientVerdict;
import org.postern.core.submission.SubmissionException;
import org.postern.protocol.Line;
import org.postern.protocol.LineFilter;
import org.postern.protocol.ReadThrottle;
import org.postern.protocol.SessionEvents;
import org.postern.protocol.Tls;
import org.postern.protocol.sasl.SaslPlain;
import org.postern.protocol.smtp.DataFraming;
import org.postern.protocol.smtp.SmtpSyntax;
import org.postern.protocol.smtp.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One submission conversation (RFC 6409, RFC 4954 AUTH, RFC 3207 STARTTLS): the MX's wire format
 * ({@link SmtpSyntax}, {@link DataFraming}) with authentication required before MAIL and offered
 * only under TLS, the envelope sender checked at MAIL, local recipients checked at RCPT, and the
 * message handed to {@link SubmissionService} at the end of DATA. Lines arrive in order on one
 * worker at a time; a login in progress holds reads and keeps what was already read.
 */
final class SubmissionSession {
    private static final Logger LOG = LoggerFactory.getLogger(SubmissionSession.class);
    /** Lines kept while a login is in progress: at most what one read held. */
    private static final int MAX_HELD_LINES = 64;

    /** The authenticator's answer, back in the session's order. */
    record LoginDone(Optional<Login> login, Throwable failure) {
        void discard() {
            if (login != null) {
                login.ifPresent(Login::close);
            }
        }
    }

    /** The account's login was revoked (app password deleted, account locked): the session ends. */
    record Revoked() {
    }

    private enum Mode { COMMAND, AUTH_PLAIN, AUTH_LOGIN_USER, AUTH_LOGIN_PASSWORD, LOGIN_PENDING, DATA, AWAIT_TLS, CLOSED }

    private final SubmissionServer server;
    private final IoSession io;
    private final InetSocketAddress client;
    private Mode mode = Mode.COMMAND;
    private long lastActivity = System.nanoTime();
    private int errors;
    private boolean tls;
    private String helo;
    private Login login;
    private String loginUser;
    private final ArrayDeque<Line> held = new ArrayDeque<>();

    private String sender;
    private boolean smtputf8;
    private final List<String> recipients = new ArrayList<>();
    private Spool spool;
    private DataFraming framing;

    SubmissionSession(SubmissionServer server, IoSession io) {
        this.server = server;
        this.io = io;
        this.client = (InetSocketAddress) io.getRemoteAddress();
    }

    void open() {
        send("220 " + server.hostname() + " ESMTP Postern");
    }

    void line(Line line) {
        lastActivity = System.nanoTime();
        switch (mode) {
            case CLOSED -> {
                return;
            }
            case LOGIN_PENDING -> {
                if (held.size() < MAX_HELD_LINES) {
                    held.addLast(line);
                } else {
                    reply(421, "4.7.0", "Too many commands while authenticating");
                    close();
                }
                return;
            }
            case AWAIT_TLS -> {
                if (!line.secure()) {
                    return; // clear text pipelined after STARTTLS is never obeyed
                }
                mode = Mode.COMMAND;
            }
            case DATA -> {
                if (framing.line(line)) {
                    endOfData();
                }
                return;
            }
            case AUTH_PLAIN, AUTH_LOGIN_USER, AUTH_LOGIN_PASSWORD -> {
                saslResponse(line);
                return;
            }
            default -> { }
        }
        tls |= line.secure();
        command(line);
    }

    // ---- commands ----

    private void command(Line line) {
        if (line.tooLong()) {
            reply(500, "5.5.6", "Line too long");
            return;
        }
        if (line.hasNul() || !line.crlf() || !SmtpSyntax.isUtf8(line.bytes(), 0, line.length())) {
            reply(500, "5.5.2", "Syntax error: lines must be UTF-8 ending in CRLF, without NUL");
            return;
        }
        String text = line.text();
        int sp = text.indexOf(' ');
        String verb = (sp < 0 ? text : text.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : text.substring(sp + 1).strip();
        switch (verb) {
            case "EHLO", "HELO" -> helo(arg, verb.equals("EHLO"));
            case "STARTTLS" -> starttls(arg);
            case "AUTH" -> auth(arg);
            case "MAIL" -> mail(arg);
            case "RCPT" -> rcpt(arg);
            case "DATA" -> data(arg);
            case "RSET" -> {
                reset();
                reply(250, "2.0.0", "Ok");
            }
            case "NOOP" -> reply(250, "2.0.0", "Ok");
            case "QUIT" -> {
                send("221 2.0.0 Bye");
                close();
            }
            case "VRFY" -> reply(252, "2.5.0", "Cannot VRFY user");
            default -> reply(502, "5.5.1", "Command not implemented");
        }
    }

    private void helo(String arg, boolean ehlo) {
        String name = arg.isEmpty() ? "" : arg.split("\\s+")[0];
        if (name.isEmpty() || !SmtpSyntax.validEhloName(name)) {
            reply(501, "5.5.4", "Syntax: " + (ehlo ? "EHLO" : "HELO") + " hostname");
            return;
        }
        reset();
        helo = name;
        if (!ehlo) {
            send("250 " + server.hostname());
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(server.hostname());
        lines.add("PIPELINING");
        lines.add("SIZE " + server.config.max_message_size());
        lines.add("8BITMIME");
        lines.add("ENHANCEDSTATUSCODES");
        if (!tls && server.tls() != null) {
            lines.add("STARTTLS");
        }
        if (tls && login == null) {
            lines.add("AUTH PLAIN LOGIN"); // RFC 4954 4: never where the password would travel in clear
        }
        lines.add("SMTPUTF8");
        for (int i = 0; i < lines.size(); i++) {
            send("250" + (i == lines.size() - 1 ? " " : "-") + lines.get(i));
        }
    }

    private void starttls(String arg) {
        if (tls) {
            reply(503, "5.5.1", "TLS already active");
            return;
        }
        SSLContext context = server.tls();
        if (context == null) {
            reply(454, "4.7.0", "TLS not available due to local problem");
            return;
        }
        if (!arg.isEmpty()) {
            reply(501, "5.5.4", "Syntax: STARTTLS");
            return;
        }
        reset();
        helo = null;
        tls = true;
        mode = Mode.AWAIT_TLS;
        ReadThrottle.hold(io);
        io.write(IoBuffer.wrap("220 2.0.0 Ready to start TLS\r\n".getBytes(StandardCharsets.US_ASCII))).addListener(f -> {
            try {
                LineFilter.reset(io);
                io.getFilterChain().addFirst("tls", Tls.filter(context));
            } finally {
                ReadThrottle.release(io);
            }
        });
    }

    private void auth(String arg) {
        if (helo == null) {
            reply(503, "5.5.1", "Error: send EHLO first");
            return;
        }
        if (login != null) {
            reply(503, "5.5.1", "Error: already authenticated");
            return;
        }
        if (sender != null) {
            reply(503, "5.5.1", "Error: AUTH not allowed during a mail transaction");
            return;
        }
        if (!tls) {
            reply(538, "5.7.11", "Encryption required for requested authentication mechanism");
            return;
        }
        String[] parts = arg.split(" ", 2);
        String mechanism = parts[0].toUpperCase(Locale.ROOT);
        String initial = parts.length > 1 ? parts[1].strip() : null;
        switch (mechanism) {
            case "PLAIN" -> {
                if (initial == null) {
                    mode = Mode.AUTH_PLAIN;
                    send("334 ");
                } else {
                    plain(initial.equals("=") ? "" : initial);
                }
            }
            case "LOGIN" -> {
                if (initial == null) {
                    mode = Mode.AUTH_LOGIN_USER;
                    send("334 VXNlcm5hbWU6"); // "Username:"
                } else {
                    loginUser(initial);
                }
            }
            default -> reply(504, "5.5.4", "Unrecognized authentication type");
        }
    }

    private void saslResponse(Line line) {
        Mode was = mode;
        mode = Mode.COMMAND;
        String text = line.text().strip();
        if (text.equals("*")) {
            reply(501, "5.0.0", "Authentication cancelled");
            return;
        }
        switch (was) {
            case AUTH_PLAIN -> plain(text);
            case AUTH_LOGIN_USER -> loginUser(text);
            default -> loginPassword(text);
        }
    }

    private void plain(String response) {
        SaslPlain.Credentials credentials;
        try {
            credentials = SaslPlain.decode(response.getBytes(StandardCharsets.US_ASCII));
        } catch (SaslPlain.Malformed e) {
            reply(501, "5.5.2", "Malformed AUTH response");
            return;
        } catch (SaslPlain.ForeignAuthzid e) {
            authFailed();
            return;
        }
        startLogin(credentials.username(), credentials.secret());
    }

    private void loginUser(String response) {
        byte[] user;
        try {
            user = Base64.getDecoder().decode(response);
        } catch (IllegalArgumentException e) {
            reply(501, "5.5.2", "Malformed AUTH response");
            return;
        }
        loginUser = new String(user, StandardCharsets.UTF_8);
        mode = Mode.AUTH_LOGIN_PASSWORD;
        send("334 UGFzc3dvcmQ6"); // "Password:"
    }

    private void loginPassword(String response) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(response);
        } catch (IllegalArgumentException e) {
            reply(501, "5.5.2", "Malformed AUTH response");
            return;
        }
        java.nio.CharBuffer chars = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(raw));
        char[] secret = new char[chars.remaining()];
        chars.get(secret);
        Arrays.fill(chars.array(), '\0');
        Arrays.fill(raw, (byte) 0);
        String user = loginUser;
        loginUser = null;
        if (user == null || user.isEmpty() || secret.length == 0) {
            Arrays.fill(secret, '\0');
            authFailed();
            return;
        }
        startLogin(user, secret);
    }

    /** Asks the authenticator, holding reads; the answer comes back through the session's order. */
    private void startLogin(String username, char[] secret) {
        Authenticator authenticator = server.authenticator;
        if (authenticator == null) {
            Arrays.fill(secret, '\0');
            reply(454, "4.7.0", "Temporary authentication failure");
            return;
        }
        CompletionStage<Optional<Login>> stage;
        try {
            // the authenticator clears the secret itself (its contract)
            stage = authenticator.login(Protocol.SMTP, username, secret, client.getAddress());
        } catch (RuntimeException e) {
            Arrays.fill(secret, '\0');
            stage = CompletableFuture.failedFuture(e);
        }
        mode = Mode.LOGIN_PENDING;
        ReadThrottle.hold(io);
        stage.toCompletableFuture().whenComplete((result, failure) -> {
            LoginDone done = new LoginDone(result, failure);
            if (!SessionEvents.fire(io, SubmissionServer.LINES, done)) {
                done.discard();
            }
        });
    }

    void loginDone(LoginDone done) {
        try {
            if (mode != Mode.LOGIN_PENDING) {
                done.discard();
                return;
            }
            mode = Mode.COMMAND;
            if (done.failure() != null) {
                Throwable cause = done.failure() instanceof CompletionException && done.failure().getCause() != null
                        ? done.failure().getCause() : done.failure();
                if (!(cause instanceof AuthUnavailableException)) {
                    LOG.warn("Postern submission: the authenticator failed: {}", cause.toString());
                }
                reply(454, "4.7.0", "Temporary authentication failure");
                return;
            }
            Optional<Login> result = done.login();
            if (result.isEmpty() || result.get().isRevoked()) {
                done.discard();
                authFailed();
                return;
            }
            login = result.get();
            login.onRevoked(() -> SessionEvents.fire(io, SubmissionServer.LINES, new Revoked()));
            reply(235, "2.7.0", "Authentication successful");
        } finally {
            ReadThrottle.release(io);
            while (mode != Mode.LOGIN_PENDING && mode != Mode.CLOSED && !held.isEmpty()) {
                line(held.pollFirst());
            }
        }
    }

    void revoked() {
        send("421 4.7.0 " + server.hostname() + " Authorization revoked, closing");
        close();
    }

    private void authFailed() {
        // One reply for every failure (unknown user, wrong password, scope, network, expiry,
        // rate limit): DESIGN section 5.
        reply(535, "5.7.8", "Authentication credentials invalid");
    }

    private void mail(String arg) {
        if (helo == null) {
            reply(503, "5.5.1", "Error: send EHLO first");
            return;
        }
        if (login == null) {
            reply(530, "5.7.0", "Authentication required");
            return;
        }
        if (sender != null) {
            reply(503, "5.5.1", "Error: nested MAIL command");
            return;
        }
        SmtpSyntax.PathArg path = SmtpSyntax.parsePath(arg, "FROM:");
        if (path == null) {
            reply(501, "5.5.4", "Syntax: MAIL FROM:<address>");
            return;
        }
        String address = path.address();
        if (SmtpSyntax.tooLong(address) || (!address.isEmpty() && SmtpSyntax.address(address) == null)) {
            reply(501, "5.1.7", "Bad sender address syntax");
            return;
        }
        boolean utf8 = false;
        for (String param : path.params()) {
            int eq = param.indexOf('=');
            String key = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : param.substring(eq + 1);
            switch (key) {
                case "SIZE" -> {
                    long size = value != null && value.length() <= 19 && value.chars().allMatch(Character::isDigit)
                            && !value.isEmpty() ? Long.parseLong(value) : -1;
                    if (size < 0) {
                        reply(501, "5.5.4", "Bad SIZE parameter");
                        return;
                    }
                    if (size > server.config.max_message_size()) {
                        reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
                        return;
                    }
                }
                case "BODY" -> {
                    if (value == null || !(value.equalsIgnoreCase("7BIT") || value.equalsIgnoreCase("8BITMIME"))) {
                        reply(501, "5.5.4", "Unsupported BODY type");
                        return;
                    }
                }
                case "SMTPUTF8" -> utf8 = true;
                case "AUTH" -> { } // RFC 4954 5: the client's claim; we know who it is
                default -> {
                    reply(555, "5.5.4", "Unsupported option: " + key);
                    return;
                }
            }
        }
        boolean allowed;
        try {
            allowed = server.submission.maySendAs(login.accountId(), address);
        } catch (SubmissionException e) {
            reply(451, "4.3.0", "Temporary local problem, try again later");
            return;
        }
        if (!allowed) {
            reply(553, "5.7.1", "<" + address + ">: Sender address rejected: not owned by user");
            return;
        }
        sender = address;
        smtputf8 = utf8;
        reply(250, "2.1.0", "Ok");
    }

    private void rcpt(String arg) {
        if (sender == null) {
            reply(503, "5.5.1", "Error: need MAIL command");
            return;
        }
        SmtpSyntax.PathArg path = SmtpSyntax.parsePath(arg, "TO:");
        if (path == null || path.address().isEmpty()) {
            reply(501, "5.5.4", "Syntax: RCPT TO:<address>");
            return;
        }
        if (!path.params().isEmpty()) {
            reply(555, "5.5.4", "Unsupported option: " + path.params().get(0));
            return;
        }
        String raw = path.address();
        MailAddress parsed = SmtpSyntax.tooLong(raw) ? null : SmtpSyntax.address(raw);
        if (parsed == null) {
            reply(501, "5.1.3", "Bad recipient address syntax");
            return;
        }
        if (!smtputf8 && !parsed.isAscii()) {
            reply(553, "5.6.7", "Non-ASCII recipient address requires SMTPUTF8");
            return;
        }
        if (recipients.size() >= server.config.max_recipients()) {
            reply(452, "4.5.3", "Too many recipients");
            return;
        }
        RecipientPolicy policy = server.policy;
        if (policy == null) {
            reply(451, "4.3.0", "Temporary local problem, try again later");
            return;
        }
        RecipientVerdict v;
        try {
            v = policy.decide(raw, sender, List.of(), true);
        } catch (RuntimeException e) {
            reply(451, "4.3.0", "Temporary local problem, try again later");
            return;
        }
        if (v == null || v.kind() == RecipientVerdict.Kind.USER_UNKNOWN || v.kind() == RecipientVerdict.Kind.RELAY_DENIED) {
            reply(550, "5.1.1", "<" + raw + ">: Recipient address rejected: User unknown");
            return;
        }
        String address = v.kind() == RecipientVerdict.Kind.ACCEPT ? v.resolution().address().toString() : parsed.toString();
        if (!recipients.contains(address)) {
            recipients.add(address);
        }
        reply(250, "2.1.5", "Ok");
    }

    private void data(String arg) {
        if (sender == null) {
            reply(503, "5.5.1", "Error: need MAIL command");
            return;
        }
        if (recipients.isEmpty()) {
            reply(503, "5.5.1", "Error: need RCPT command");
            return;
        }
        if (!arg.isEmpty()) {
            reply(501, "5.5.4", "Syntax: DATA");
            return;
        }
        spool = new Spool(server.spool);
        framing = new DataFraming(spool, server.config.max_message_size(), smtputf8);
        mode = Mode.DATA;
        io.getConfig().setReaderIdleTime(server.config.data_timeout_seconds());
        send("354 End data with <CR><LF>.<CR><LF>");
    }

    private void endOfData() {
        mode = Mode.COMMAND;
        io.getConfig().setReaderIdleTime(server.config.command_timeout_seconds());
        try {
            DataFraming.Refusal refusal = framing.refusal();
            if (refusal != null) {
                switch (refusal) {
                    case TOO_BIG -> reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
                    case SPOOL_FAILED -> reply(451, "4.3.0", "Temporary local problem, try again later");
                    default -> reply(554, "5.6.0", "Message refused: malformed (" + refusal + ")");
                }
                return;
            }
            Login l = login;
            if (l == null || l.isRevoked()) {
                reply(451, "4.7.0", "Authorization revoked");
                close();
                return;
            }
            try (InputStream body = spool.open()) {
                String id = server.submission.submit(l.accountId(), sender, List.copyOf(recipients), body, "ESMTPSA");
                reply(250, "2.0.0", "Ok: queued as " + id);
            } catch (SubmissionException e) {
                SubmissionException.Reason r = e.reason();
                reply(r.code(), r.enhancedCode(), r.text());
            } catch (IOException e) {
                reply(451, "4.3.0", "Temporary local problem, try again later");
            }
        } finally {
            reset();
        }
    }

    void idle() {
        if (mode == Mode.CLOSED) {
            return;
        }
        int seconds = mode == Mode.DATA ? server.config.data_timeout_seconds() : server.config.command_timeout_seconds();
        if (System.nanoTime() - lastActivity < seconds * 500_000_000L) {
            return;
        }
        send("421 4.4.2 " + server.hostname() + " Error: timeout exceeded");
        close();
    }

    void closed() {
        mode = Mode.CLOSED;
        reset();
        held.clear();
        if (login != null) {
            login.close();
            login = null;
        }
    }

    // ---- helpers ----

    private void reset() {
        sender = null;
        smtputf8 = false;
        recipients.clear();
        if (spool != null) {
            spool.discard();
            spool = null;
        }
        framing = null;
    }

    private void reply(int code, String enhanced, String text) {
        send(code + " " + enhanced + " " + text);
        if (code >= 500 && ++errors >= server.config.max_errors()) {
            send("421 4.7.0 " + server.hostname() + " Error: too many errors");
            close();
        }
    }

    private void send(String line) {
        if (mode == Mode.CLOSED) {
            return;
        }
        io.write(IoBuffer.wrap((line + "\r\n").getBytes(StandardCharsets.UTF_8)));
        lastActivity = System.nanoTime();
    }

    private void close() {
        mode = Mode.CLOSED;
        reset();
        io.closeOnFlush();
    }
}
