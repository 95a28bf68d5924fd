package org.postern.smtp.internal;

import org.postern.protocol.smtp.DataFraming;
import org.postern.protocol.smtp.SmtpSyntax;
import org.postern.protocol.smtp.Spool;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.postern.api.address.MailAddress;
import org.postern.api.mail.MailStore;
import org.postern.api.mail.Mailboxes;
import org.postern.api.policy.RecipientPolicy;
import org.postern.api.policy.RecipientVerdict;
import org.postern.api.smtp.PolicyResult;
import org.postern.api.smtp.SmtpPolicy;
import org.postern.api.smtp.SmtpTransaction;
import org.postern.api.store.BlobStore;
import org.postern.protocol.Chunk;
import org.postern.protocol.Line;
import org.postern.protocol.smtp.SmtpChunking;
import org.postern.core.store.StoreUnavailableException;
import org.postern.mailauth.AuthenticationResults;
import org.postern.mailauth.HeaderFields;
import org.postern.mailauth.SenderAuthentication;
import org.postern.mailauth.SpfResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP conversation (RFC 5321 with PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES,
 * STARTTLS, SMTPUTF8). Lines arrive in order on one thread at a time; replies go to {@link Out}.
 * Also the read-only {@link SmtpTransaction} view that policies see.
 */
final class SmtpSession implements SmtpTransaction {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpSession.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final List<String> NOT_IMPLEMENTED =
            List.of("EXPN", "HELP", "TURN", "ETRN", "ATRN", "AUTH", "SEND", "SOML", "SAML");

    /** Where replies go. */
    interface Out {
        void send(String line);

        /** Closes once everything written so far has been sent. */
        void close();

        /** Sends {@code line} in clear text, then starts a server-side TLS handshake. */
        void startTls(String line, SSLContext context);

        void idleTimeout(int seconds);

        /**
         * Reads nothing more until {@code stage} has completed, then runs {@code then} with its
         * value (null if it failed) in the session's order, like a received line.
         */
        <T> void await(CompletionStage<T> stage, Consumer<T> then);

        /** DATA was accepted: until its end line, what the client sends is content (see SmtpChunking). */
        void dataStarted();

        /**
         * Writes the replies kept so far now, instead of behind the commands queued after them
         * (see SmtpHandler.MinaOut): the answer to a message's end is not held up by a
         * pipelined next transaction's lookups.
         */
        default void flush() {
        }
    }

    /** AWAIT_CHECKS: DATA has ended, sender authentication runs; lines that arrive wait in {@link #waiting}. */
    private enum Mode { COMMAND, DATA, BDAT, AWAIT_TLS, AWAIT_CHECKS, CLOSED }

    /** The most header octets read for sender authentication and for forged Authentication-Results. */
    static final int MAX_HEADER = 256 * 1024;
    static final int MAX_HEADER_FIELDS = 1000;

    /**
     * A recipient as RCPT accepted it: its account, or, for postmaster@/abuse@ while no
     * postmaster account is configured (accountId null), the directory that keeps such mail.
     */
    record Accepted(String raw, MailAddress address, String accountId, java.nio.file.Path roleMail) {
    }

    private final SmtpServer server;
    private final Settings settings;
    private final Out out;
    private final InetSocketAddress client;

    private Mode mode = Mode.COMMAND;
    private long lastActivity = System.nanoTime();
    private int errors;
    private String confirmedName;
    private boolean tls;
    private String helo;
    private boolean extended;

    // the transaction
    private String sender;
    private boolean smtputf8;
    /** The size MAIL FROM declared (RFC 1870), 0 when none: counted against each recipient's quota. */
    private long declaredSize;
    private final List<Accepted> recipients = new ArrayList<>();

    /** This transaction's SPF, DKIM and DMARC checks (null: off); SPF starts with the message (DATA, first BDAT chunk). */
    private SenderAuthentication auth;
    private CompletableFuture<SpfResult> spfCheck;

    // DATA in progress
    private Spool spool;
    private DataFraming framing;
    /**
     * Lines and chunks decoded while the checks ran: handled in order once the message has its
     * answer. Reads are held then, so at most what the read throttle let into the worker queue
     * before the hold, plus one socket read.
     */
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    /** True while {@link #checked} hands the waiting lines on: one drain at a time, never nested. */
    private boolean draining;

    // BDAT (RFC 3030): the transaction's body comes in chunks
    private boolean chunking;
    /** Octets of the current chunk still to come, its size, and whether it is the last. */
    private long bdatRemaining;
    private long bdatSize;
    private boolean bdatLast;
    /** The reply to give once the current chunk's octets have been read and dropped; null: they are kept. */
    private Reply bdatRefusal;

    /** A reply decided now and given later. */
    private record Reply(int code, String enhanced, String text) {
    }

    SmtpSession(SmtpServer server, Out out, InetSocketAddress client) {
        this.server = server;
        this.settings = server.settings();
        this.out = out;
        this.client = client;
    }

    // ---- events ----

    /**
     * Greets the client, once its forward-confirmed reverse DNS name is known (or known not to
     * exist): the lookup runs asynchronously before this, on no worker thread.
     */
    void open(String confirmedName) {
        this.confirmedName = confirmedName;
        PolicyResult p = ask(policy -> policy.onConnect(this));
        if (refusal(p)) {
            reply(p);
            close();
            return;
        }
        send("220 " + server.hostname() + " ESMTP Postern");
    }

    void line(Line line) {
        lastActivity = System.nanoTime();
        switch (mode) {
            case CLOSED:
                return;
            case AWAIT_TLS:
                if (!line.secure()) {
                    LOG.debug("Postern SMTP: [{}] discarded clear text pipelined after STARTTLS", ip());
                    return;
                }
                mode = Mode.COMMAND;
                command(line);
                return;
            case DATA:
                data(line);
                return;
            case AWAIT_CHECKS:
                waiting.add(line);
                return;
            case BDAT:
                // cannot happen: the line filter passes a chunk's octets as chunks (SmtpChunking)
                LOG.warn("Postern SMTP: [{}] a line inside a BDAT chunk; closing", ip());
                close();
                return;
            default:
                command(line);
        }
    }

    void idle() {
        if (mode == Mode.CLOSED || mode == Mode.AWAIT_CHECKS) {
            return;
        }
        long timeoutNanos = (mode == Mode.DATA || mode == Mode.BDAT ? settings.dataTimeoutSeconds()
                : settings.commandTimeoutSeconds())
                * 1_000_000_000L;
        if (System.nanoTime() - lastActivity < timeoutNanos / 2) {
            return; // a slow local operation (fsync, policy) ran; the client is not to blame
        }
        if (mode != Mode.AWAIT_TLS) {
            send("421 4.4.2 " + server.hostname() + " Error: timeout exceeded");
        }
        close();
    }

    void closed() {
        mode = Mode.CLOSED;
        waiting.clear();
        discardSpool();
    }

    // ---- commands ----

    private void command(Line line) {
        if (line.tooLong()) {
            reply(500, "5.5.6", "Line too long");
            return;
        }
        if (line.hasNul()) {
            reply(501, "5.5.4", "Syntax error: NUL character in command");
            return;
        }
        if (!line.crlf()) {
            reply(500, "5.5.2", "Syntax error: bare LF; lines must end with CRLF (RFC 5321 section 2.3.8)");
            return;
        }
        if (!SmtpSyntax.isUtf8(line.bytes(), 0, line.length())) {
            // decoded leniently, invalid bytes would become U+FFFD and pass for an address
            reply(500, "5.5.2", "Syntax error: command is not valid UTF-8");
            return;
        }
        String text = line.text();
        int sp = text.indexOf(' ');
        String verb = (sp < 0 ? text : text.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : text.substring(sp + 1).strip();
        switch (verb) {
            case "EHLO":
                helo(arg, true);
                break;
            case "HELO":
                helo(arg, false);
                break;
            case "MAIL":
                mail(arg);
                break;
            case "RCPT":
                rcpt(arg);
                break;
            case "DATA":
                dataCommand(arg);
                break;
            case "BDAT":
                bdat(arg);
                break;
            case "RSET":
                if (!arg.isEmpty()) {
                    reply(501, "5.5.4", "Syntax: RSET");
                    break;
                }
                resetTransaction();
                reply(250, "2.0.0", "Ok");
                break;
            case "NOOP":
                reply(250, "2.0.0", "Ok");
                break;
            case "QUIT":
                send("221 2.0.0 Bye");
                close();
                break;
            case "VRFY":
                reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
                break;
            case "STARTTLS":
                starttls(arg);
                break;
            default:
                if (NOT_IMPLEMENTED.contains(verb)) {
                    reply(502, "5.5.1", "Command not implemented");
                } else {
                    reply(500, "5.5.2", "Command not recognized");
                }
        }
    }

    private void helo(String arg, boolean ehlo) {
        String name = arg.isEmpty() ? "" : arg.split("\\s+")[0];
        if (name.isEmpty()) {
            reply(501, "5.5.4", "Syntax: " + (ehlo ? "EHLO" : "HELO") + " hostname");
            return;
        }
        if (!SmtpSyntax.validEhloName(name)) {
            // RFC 5321 4.1.1.1: a domain or an address literal. The name reaches Received
            // headers, the Block List and a 255-character column; anything else is refused.
            reply(501, "5.5.2", "Helo command rejected: invalid host name");
            return;
        }
        resetTransaction();
        helo = name;
        extended = ehlo;
        PolicyResult p = ask(policy -> policy.onHelo(this));
        if (refusal(p)) {
            helo = null;
            reply(p);
            return;
        }
        if (!ehlo) {
            send("250 " + server.hostname());
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(server.hostname());
        lines.add("PIPELINING");
        lines.add("SIZE " + settings.maxMessageSize());
        lines.add("8BITMIME");
        lines.add("ENHANCEDSTATUSCODES");
        lines.add("CHUNKING");
        if (!tls && server.tls() != null) {
            lines.add("STARTTLS");
        }
        lines.add("SMTPUTF8");
        for (int i = 0; i < lines.size(); i++) {
            send("250" + (i == lines.size() - 1 ? " " : "-") + lines.get(i));
        }
    }

    private void mail(String arg) {
        if (helo == null) {
            reply(503, "5.5.1", "Error: send HELO/EHLO first");
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
        if (SmtpSyntax.tooLong(address)) {
            reply(501, "5.1.7", "Sender address too long (RFC 5321: 64 octets local part, 254 in all)");
            return;
        }
        if (!address.isEmpty() && SmtpSyntax.address(address) == null) {
            // Quoted local parts and other forms the Block List could not match are refused,
            // never passed on unmatched.
            reply(501, "5.1.7", "Bad sender address syntax");
            return;
        }
        boolean utf8 = false;
        long size = 0;
        for (String param : path.params()) {
            int eq = param.indexOf('=');
            String key = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : param.substring(eq + 1);
            switch (key) {
                case "SIZE":
                    size = value == null || !value.matches("[0-9]{1,20}") ? -1 : parseSize(value);
                    if (size < 0) {
                        reply(501, "5.5.4", "Bad SIZE parameter");
                        return;
                    }
                    if (size > settings.maxMessageSize()) {
                        reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
                        return;
                    }
                    break;
                case "BODY":
                    if (value == null || !(value.equalsIgnoreCase("7BIT") || value.equalsIgnoreCase("8BITMIME"))) {
                        reply(501, "5.5.4", "Unsupported BODY type");
                        return;
                    }
                    break;
                case "SMTPUTF8":
                    if (value != null) {
                        reply(501, "5.5.4", "SMTPUTF8 takes no value");
                        return;
                    }
                    utf8 = true;
                    break;
                default:
                    reply(555, "5.5.4", "Unsupported option: " + key);
                    return;
            }
        }
        if (!utf8 && !isAscii(address)) {
            reply(553, "5.6.7", "Non-ASCII sender address requires SMTPUTF8");
            return;
        }
        sender = address;
        smtputf8 = utf8;
        declaredSize = size;
        PolicyResult p = ask(policy -> policy.onMail(this));
        if (refusal(p)) {
            sender = null;
            reply(p);
            return;
        }
        reply(250, "2.1.0", "Ok");
    }

    private static long parseSize(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException tooBig) {
            return Long.MAX_VALUE;
        }
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
        if (recipients.size() >= settings.maxRecipients()) {
            reply(452, "4.5.3", "Too many recipients");
            return;
        }
        String raw = path.address();
        if (raw.equalsIgnoreCase("postmaster")) {
            // RFC 5321 4.5.1: <postmaster> without a domain must be accepted
            roleRecipient(raw, null);
            return;
        }
        if (SmtpSyntax.tooLong(raw)) {
            reply(501, "5.1.3", "Recipient address too long (RFC 5321: 64 octets local part, 254 in all)");
            return;
        }
        MailAddress parsed = SmtpSyntax.address(raw);
        if (parsed == null) {
            reply(501, "5.1.3", "Bad recipient address syntax");
            return;
        }
        if (!smtputf8 && !parsed.isAscii()) {
            reply(553, "5.6.7", "Non-ASCII recipient address requires SMTPUTF8");
            return;
        }
        RecipientPolicy policy = server.recipientPolicy;
        if (policy == null) {
            temporaryLocalProblem("no recipient policy service");
            return;
        }
        RecipientVerdict verdict;
        try {
            verdict = policy.decide(raw, sender, serverNames(), false);
        } catch (RuntimeException e) {
            warnUnlessStoreDown("answered 451, recipient policy failed", e);
            reply(451, "4.3.0", "Temporary local problem, try again later");
            return;
        }
        if (verdict == null) {
            temporaryLocalProblem("recipient policy answered nothing");
            return;
        }
        switch (verdict.kind()) {
            case RELAY_DENIED:
                reply(554, "5.7.1", "<" + raw + ">: Relay access denied");
                return;
            case USER_UNKNOWN:
                if (isRoleAddress(parsed)) {
                    roleRecipient(raw, parsed);
                    return;
                }
                reply(550, "5.1.1", "<" + raw + ">: Recipient address rejected: User unknown");
                return;
            default:
                break;
        }
        MailAddress address = verdict.resolution().address();
        PolicyResult p = ask(third -> third.onRcpt(this, address));
        if (refusal(p)) {
            reply(p);
            return;
        }
        String accountId = verdict.resolution().account().id();
        Boolean full = mailboxFull(accountId);
        if (full == null) {
            reply(451, "4.3.0", "Temporary local problem, try again later");
            return;
        }
        if (full) {
            // Never a silent drop: this recipient is refused, temporarily, and the sender retries
            // (or bounces once it gives up); the transaction's other recipients are not affected.
            reply(452, "4.2.2", "Mailbox full");
            return;
        }
        if (recipients.stream().noneMatch(a -> a.address().equals(address))) {
            recipients.add(new Accepted(raw, address, accountId, null));
        }
        reply(250, "2.1.5", "Ok");
    }

    /**
     * postmaster@ and abuse@ a service domain nobody holds as an address (RFC 5321 4.5.1,
     * RFC 2142). At an account owner's own domain they are that owner's addresses like any other:
     * its catch-all decides.
     */
    private boolean isRoleAddress(MailAddress a) {
        String local = a.localPart().toLowerCase(java.util.Locale.ROOT);
        if (!local.equals("postmaster") && !local.equals("abuse")) {
            return false;
        }
        org.postern.api.account.DomainService d = server.domains;
        try {
            return d != null && d.serviceDomains().contains(a.domain().toLowerCase(java.util.Locale.ROOT));
        } catch (RuntimeException e) {
            warnUnlessStoreDown("service domains unavailable", e);
            return false;
        }
    }

    /**
     * Accepts a role recipient for the postmaster account, or, while none is configured or it
     * cannot be found, for the role-mail directory the operator reads. Neither Block List nor
     * catch-all applies: complaints must get through, from anyone.
     */
    private void roleRecipient(String raw, MailAddress address) {
        MailAddress filed = address;
        if (filed == null) {
            List<String> service = List.of();
            try {
                org.postern.api.account.DomainService d = server.domains;
                service = d == null ? List.of() : d.serviceDomains();
            } catch (RuntimeException e) {
                warnUnlessStoreDown("service domains unavailable", e);
            }
            filed = MailAddress.parse("postmaster@" + (service.isEmpty() ? server.hostname() : service.get(0)));
        }
        String accountId = null;
        String postmaster = settings.postmasterAccount();
        org.postern.api.account.AddressResolver resolver = server.addresses;
        if (!postmaster.isEmpty() && resolver != null) {
            try {
                accountId = resolver.resolve(postmaster).map(r -> r.account().id()).orElse(null);
            } catch (RuntimeException e) {
                warnUnlessStoreDown("postmaster account lookup failed", e);
                reply(451, "4.3.0", "Temporary local problem, try again later");
                return;
            }
            if (accountId == null) {
                LOG.warn("Postern SMTP: postmaster.account {} is no account; role mail goes to {}", postmaster,
                        settings.roleMailDirectory());
            }
        }
        MailAddress key = filed;
        if (recipients.size() >= settings.maxRecipients()) {
            reply(452, "4.5.3", "Too many recipients");
            return;
        }
        if (recipients.stream().noneMatch(a -> a.address().equals(key))) {
            recipients.add(new Accepted(raw, filed, accountId, settings.roleMailDirectory()));
        }
        reply(250, "2.1.5", "Ok");
    }

    /**
     * Whether the account is at its storage quota, or would go above it with the size MAIL FROM
     * declared; null when that could not be found out (the store is down). Without a
     * {@link Mailboxes} service (the mail store bundle being redeployed) nothing is refused here:
     * delivery itself does not check quotas.
     */
    private Boolean mailboxFull(String accountId) {
        Mailboxes boxes = server.mailboxes;
        if (boxes == null) {
            return false;
        }
        Mailboxes.QuotaUsage q;
        try {
            q = server.recentQuotas.quota(boxes, accountId);
        } catch (RuntimeException e) {
            warnUnlessStoreDown("answered 451, quota lookup failed", e);
            return null;
        }
        return q.over() || (q.limit() > 0 && declaredSize > q.limit() - q.used());
    }

    private List<String> serverNames() {
        List<String> names = new ArrayList<>(2);
        if (confirmedName != null) {
            names.add(confirmedName);
        }
        if (helo != null) {
            names.add(helo);
        }
        return names;
    }

    private void dataCommand(String arg) {
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
        if (chunking) {
            reply(503, "5.5.1", "Error: DATA after BDAT in one transaction");
            return;
        }
        if (server.blobStore == null || server.mailStore == null) {
            temporaryLocalProblem("blob store or mail store not available");
            return;
        }
        spool = new Spool(settings.spoolDirectory());
        framing = new DataFraming(spool, settings.maxMessageSize(), smtputf8);
        mode = Mode.DATA;
        out.idleTimeout(settings.dataTimeoutSeconds());
        out.dataStarted();
        send("354 End data with <CR><LF>.<CR><LF>");
        startSpf();
    }

    private void starttls(String arg) {
        if (tls) {
            reply(503, "5.5.1", "Error: TLS already active");
            return;
        }
        if (!arg.isEmpty()) {
            reply(501, "5.5.4", "Syntax: STARTTLS");
            return;
        }
        SSLContext context = server.tls();
        if (context == null) {
            reply(454, "4.7.0", "TLS not available due to local problem");
            return;
        }
        // RFC 3207 4.2: forget everything learnt in clear text; the client must EHLO again
        resetTransaction();
        helo = null;
        extended = false;
        tls = true;
        mode = Mode.AWAIT_TLS;
        lastActivity = System.nanoTime();
        out.startTls("220 2.0.0 Ready to start TLS", context);
    }

    // ---- DATA ----

    private void data(Line line) {
        if (framing.line(line)) {
            endOfData();
        }
    }

    private void endOfData() {
        mode = Mode.COMMAND;
        out.idleTimeout(settings.commandTimeoutSeconds());
        boolean continues = false;
        try {
            DataFraming.Refusal refusal = framing.refusal();
            if (refusal == null) {
                PolicyResult p = ask(policy -> policy.onData(this));
                if (refusal(p)) {
                    reply(p);
                } else {
                    continues = checkThenDeliver();
                }
                return;
            }
            replyRefusal(refusal);
        } finally {
            if (!continues) {
                resetTransaction();
                out.flush(); // the message's outcome leaves now (the 250 means it is stored)
            }
        }
    }

    private void replyRefusal(DataFraming.Refusal refusal) {
        switch (refusal) {
            case SPOOL_FAILED -> {
                LOG.warn("Postern SMTP: cannot spool a message from [{}]: {}", ip(), framing.spoolFailure().toString());
                temporaryLocalProblem("spool failed");
            }
            case BARE_LF -> reply(554, "5.6.0",
                    "Message refused: bare LF; lines must end with CRLF (RFC 5321 section 2.3.8)");
            case BARE_CR_OR_NUL -> reply(554, "5.6.0",
                    "Message refused: bare CR or NUL in a line (RFC 5321 section 2.3.8)");
            case HEADER_NOT_UTF8 -> reply(554, "5.6.7", "Message refused: header is not valid UTF-8 (RFC 6532)");
            case TOO_BIG -> reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
            case LINE_TOO_LONG -> reply(554, "5.6.0",
                    "Message refused: line longer than " + settings.maxLineLength() + " octets");
            default -> throw new IllegalStateException(refusal.toString());
        }
    }

    // ---- BDAT (RFC 3030) ----

    /**
     * A chunk announced. Its octets are read whatever the verdict (the client sends them
     * anyway); a refusal is answered once they have been read and dropped.
     */
    private void bdat(String arg) {
        SmtpChunking.Bdat b = SmtpChunking.parse(arg);
        if (b == null) {
            // the chunk's size is unknown, so is where the next command starts
            reply(501, "5.5.4", "Syntax: BDAT chunk-size [LAST]");
            send("421 4.5.0 " + server.hostname() + " Error: lost the command stream");
            close();
            return;
        }
        bdatSize = b.size();
        bdatRemaining = b.size();
        bdatLast = b.last();
        bdatRefusal = null;
        if (sender == null) {
            bdatRefusal = new Reply(503, "5.5.1", "Error: need MAIL command");
        } else if (recipients.isEmpty()) {
            bdatRefusal = new Reply(503, "5.5.1", "Error: need RCPT command");
        } else if (server.blobStore == null || server.mailStore == null) {
            LOG.warn("Postern SMTP: [{}] answering 451: blob store or mail store not available", ip());
            bdatRefusal = new Reply(451, "4.3.0", "Temporary local problem, try again later");
        } else if (!chunking) {
            chunking = true;
            spool = new Spool(settings.spoolDirectory());
            framing = DataFraming.chunked(spool, settings.maxMessageSize(), smtputf8, settings.maxLineLength());
            startSpf();
        }
        mode = Mode.BDAT;
        out.idleTimeout(settings.dataTimeoutSeconds());
        if (bdatRemaining == 0) {
            chunkEnded();
        }
    }

    /** Octets of the current BDAT chunk, in order. */
    void chunk(Chunk c) {
        lastActivity = System.nanoTime();
        if (mode == Mode.AWAIT_CHECKS) {
            waiting.add(c);
            return;
        }
        if (mode != Mode.BDAT) {
            return; // clear text after STARTTLS, or a closed session: dropped like such lines
        }
        int n = (int) Math.min(c.length(), bdatRemaining);
        if (bdatRefusal == null && framing != null) {
            framing.chunk(c.bytes(), 0, n);
        }
        bdatRemaining -= n;
        if (bdatRemaining == 0) {
            chunkEnded();
        }
    }

    private void chunkEnded() {
        mode = Mode.COMMAND;
        out.idleTimeout(settings.commandTimeoutSeconds());
        if (bdatRefusal != null) {
            Reply r = bdatRefusal;
            bdatRefusal = null;
            if (r.code() == 451) {
                resetTransaction();
            }
            reply(r.code(), r.enhanced(), r.text());
            return;
        }
        if (!bdatLast) {
            DataFraming.Refusal refusal = framing.refusal();
            if (refusal != null) {
                // RFC 3030 §2: after an error reply the client sends no more chunks of this message
                replyRefusal(refusal);
                resetTransaction();
                return;
            }
            reply(250, "2.0.0", bdatSize + " octets received");
            return;
        }
        framing.lastChunk();
        endOfData();
    }

    /**
     * Starts the SPF check when the message starts (DATA accepted, first BDAT chunk): its lookups
     * overlap the transfer. Not at RCPT: pipelined MAIL/RCPT/RSET rounds would each cost up to a
     * hundred lookups at third-party name servers without ever sending a message.
     */
    private void startSpf() {
        if (spfCheck != null || recipients.isEmpty() || sender == null) {
            return;
        }
        auth = server.senderAuthentication();
        if (auth != null) {
            spfCheck = auth.spf(client.getAddress(), sender, helo);
        }
    }

    /**
     * Reads the spooled header (and, for DKIM, the body), leaves out Authentication-Results that
     * claim this server's name (RFC 8601 §5), and delivers once SPF, DKIM and DMARC have
     * answered, with their Authentication-Results on top.
     *
     * @return true when {@link #checked} has it (already, or once the checks answer), which
     *         resets the transaction; false when it is done (delivered or answered) and the
     *         transaction may be reset
     */
    private boolean checkThenDeliver() {
        String authservId = server.hostname();
        CompletableFuture<SenderAuthentication.Report> report = new CompletableFuture<>();
        List<MessageContent.Cut> cuts = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(spool.open(), 64 * 1024)) {
            HeaderFields header = HeaderFields.read(in, MAX_HEADER, MAX_HEADER_FIELDS);
            if (header.truncated()) {
                // Past the limit neither forged Authentication-Results nor From could be found
                // for sure: such a header is refused, not half-checked.
                reply(552, "5.3.4", "Message header too big (over " + MAX_HEADER + " octets or "
                        + MAX_HEADER_FIELDS + " fields)");
                return false;
            }
            for (HeaderFields.Field f : header.fields()) {
                if (AuthenticationResults.claims(f, authservId)) {
                    cuts.add(new MessageContent.Cut(f.offset(), f.offset() + f.raw().length));
                }
            }
            if (!cuts.isEmpty()) {
                LOG.info("Postern SMTP: [{}] removed {} Authentication-Results claiming {}", ip(), cuts.size(), authservId);
            }
            SenderAuthentication checks = auth != null ? auth : server.senderAuthentication();
            if (checks == null) {
                deliver(new MessageContent(new byte[0], spool, cuts), "");
                return false;
            }
            mode = Mode.AWAIT_CHECKS;
            try {
                CompletableFuture<SpfResult> spf = spfCheck != null ? spfCheck
                        : checks.spf(client.getAddress(), sender, helo);
                checks.message(spf, header, in).whenComplete((r, failure) -> report.complete(r));
            } catch (IOException | RuntimeException e) {
                // checked() goes on without the field (and answers 451 if the spool is unreadable)
                LOG.warn("Postern SMTP: [{}] sender authentication not started: {}", ip(), e.toString());
                report.complete(null);
            }
        } catch (IOException | RuntimeException e) {
            mode = Mode.COMMAND;
            temporaryLocalProblem("cannot read the spooled message: " + e);
            return false;
        }
        // The spooled message is closed again before anything goes on (a drain of pipelined
        // messages below must not keep one stream open per message).
        if (report.isDone()) {
            // Every answer was at hand (cached DNS, no key to fetch): go on in this event.
            // Holding reads and coming back through the worker queue cost two selector
            // wake-ups and a queued event per message.
            checked(report.getNow(null), cuts);
        } else {
            // Reads are held until the checks answer (commands pipelined behind the end of
            // DATA wait in the socket); what was read before the hold is in the worker queue,
            // bounded by the read throttle, and waits in `waiting` once taken.
            out.await(report, r -> checked(r, cuts));
        }
        return true;
    }

    /** The checks answered (r null: they failed, which they should never do): refuse or deliver. */
    private void checked(SenderAuthentication.Report r, List<MessageContent.Cut> cuts) {
        if (mode != Mode.AWAIT_CHECKS) {
            return; // the session ended meanwhile; its spool is gone
        }
        mode = Mode.COMMAND;
        lastActivity = System.nanoTime();
        try {
            if (r == null) {
                LOG.warn("Postern SMTP: [{}] sender authentication failed; delivering without Authentication-Results", ip());
                deliver(new MessageContent(new byte[0], spool, cuts), "");
            } else if (r.dmarcDefers() && settings.dmarcReject()) {
                String domain = r.dmarc().fromDomain();
                LOG.info("Postern SMTP: [{}] deferred a message: DMARC{} ({})", ip(),
                        safeDomain(domain) && !domain.isEmpty() ? " of " + domain : "", r.dmarc().reason());
                reply(451, "4.7.0", "Temporary DMARC evaluation failure, try again later");
            } else if (r.dmarcRejects() && settings.dmarcReject()) {
                String domain = r.dmarc().fromDomain();
                // the From domain, not an address: the MX logs no addresses
                LOG.info("Postern SMTP: [{}] refused a message: DMARC{} ({})", ip(),
                        safeDomain(domain) && !domain.isEmpty() ? " of " + domain : "", r.dmarc().reason());
                reply(550, "5.7.1", domain.isEmpty()
                        ? "Message rejected: " + r.dmarc().reason() + " (one From field, one author domain expected)"
                        : "Message rejected by the DMARC policy of " + (safeDomain(domain) ? domain : "the From domain")
                                + ": no aligned SPF or DKIM pass");
            } else {
                deliver(new MessageContent(r.field().getBytes(StandardCharsets.US_ASCII), spool, cuts), summary(r));
            }
        } finally {
            resetTransaction();
        }
        out.flush(); // the message's outcome leaves before the pipelined commands behind it run
        if (draining) {
            // A pipelined message ended inside the drain below and its checks answered at once:
            // the drain that is running goes on with the next line, in order.
            return;
        }
        draining = true;
        try {
            while (mode != Mode.AWAIT_CHECKS && mode != Mode.CLOSED && !waiting.isEmpty()) {
                Object next = waiting.poll();
                if (next instanceof Line) {
                    line((Line) next);
                } else {
                    chunk((Chunk) next);
                }
            }
        } finally {
            draining = false;
        }
    }

    private static String summary(SenderAuthentication.Report r) {
        StringBuilder b = new StringBuilder(", spf=").append(r.spf().result().keyword()).append(" dkim=");
        b.append(r.dkim().isEmpty() ? "none" : r.dkim().stream().map(k -> k.result().keyword()).distinct()
                .reduce((x, y) -> x + "," + y).orElse("none"));
        return b.append(" dmarc=").append(r.dmarc().result().keyword()).toString();
    }

    private static boolean safeDomain(String d) {
        if (d.length() > 253) {
            return false;
        }
        for (int i = 0; i < d.length(); i++) {
            char c = d.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private void deliver(MessageContent content, String results) {
        BlobStore blobs = server.blobStore;
        MailStore store = server.mailStore;
        if (blobs == null || store == null) {
            temporaryLocalProblem("blob store or mail store went away");
            return;
        }
        String id = HexFormat.of().withUpperCase().formatHex(randomBytes(8));
        int filed;
        try {
            filed = Delivery.deliver(blobs, store, recipients, content, sender, trace(), id, Instant.now());
        } catch (IOException | RuntimeException e) {
            warnUnlessStoreDown("message " + id + " not accepted", e);
            reply(451, "4.3.0", "Temporary local problem, try again later");
            return;
        }
        if (filed == 0) {
            // every account was removed between RCPT and now: what an unknown address gets
            reply(550, "5.1.1", "Recipient address rejected: User unknown");
            return;
        }
        LOG.info("Postern SMTP: queued {} from [{}], {} octets, {} recipient(s){}", id, ip(), content.size(), filed,
                results);
        reply(250, "2.0.0", "Ok: queued as " + id);
    }

    /** This session's part of the Received header. */
    Delivery.Trace trace() {
        return new Delivery.Trace(helo, confirmedName, client.getAddress(), server.hostname(),
                tls ? "ESMTPS" : extended ? "ESMTP" : "SMTP");
    }

    // ---- helpers ----

    private PolicyResult ask(Function<SmtpPolicy, PolicyResult> stage) {
        List<SmtpServer.RankedPolicy> local = server.policies();
        for (SmtpServer.RankedPolicy r : local) {
            PolicyResult result;
            try {
                result = stage.apply(r.policy());
            } catch (RuntimeException e) {
                warnUnlessStoreDown("policy " + r.name() + " failed", e);
                return PolicyResult.tempfail(451, "4.3.0", "Temporary local problem, try again later");
            }
            if (result != null && result.kind() != PolicyResult.Kind.DECLINE) {
                return result;
            }
        }
        return PolicyResult.decline();
    }

    private static boolean refusal(PolicyResult p) {
        return p.kind() == PolicyResult.Kind.REJECT || p.kind() == PolicyResult.Kind.TEMPFAIL;
    }

    private void reply(PolicyResult p) {
        reply(p.code(), p.enhancedCode(), p.text().replaceAll("[\\r\\n]+", " "));
    }

    /**
     * A failure worth a warning, unless the database is unreachable: the store logs that once,
     * and a line per refused command would bury it.
     */
    private void warnUnlessStoreDown(String what, Throwable e) {
        if (StoreUnavailableException.isCause(e)) {
            LOG.debug("Postern SMTP: [{}] {}: database unreachable", ip(), what);
        } else {
            LOG.warn("Postern SMTP: [{}] {}: {}", ip(), what, e.toString());
        }
    }

    private void temporaryLocalProblem(String why) {
        LOG.warn("Postern SMTP: [{}] answered 451: {}", ip(), why);
        reply(451, "4.3.0", "Temporary local problem, try again later");
    }

    /** Sends a reply; the {@code max.errors}-th 5xx reply ends the session with 421. */
    private void reply(int code, String enhanced, String text) {
        send(code + " " + enhanced + " " + text);
        if (code >= 500 && ++errors >= settings.maxErrors()) {
            send("421 4.7.0 " + server.hostname() + " Error: too many errors");
            close();
        }
    }

    private void send(String line) {
        if (mode == Mode.CLOSED) {
            return;
        }
        out.send(line);
        lastActivity = System.nanoTime();
    }

    private void close() {
        mode = Mode.CLOSED;
        discardSpool();
        out.close();
    }

    private void resetTransaction() {
        chunking = false;
        bdatRefusal = null;
        if (mode != Mode.DATA && mode != Mode.BDAT) {
            framing = null;
        }
        auth = null;
        spfCheck = null;
        sender = null;
        smtputf8 = false;
        declaredSize = 0;
        recipients.clear();
        discardSpool();
    }

    private void discardSpool() {
        if (spool != null) {
            spool.discard();
            if (mode != Mode.DATA && mode != Mode.BDAT) {
                spool = null;
            }
        }
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 127) {
                return false;
            }
        }
        return true;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private String ip() {
        return client.getAddress().getHostAddress();
    }

    // ---- SmtpTransaction ----

    @Override
    public InetSocketAddress client() {
        return client;
    }

    @Override
    public String heloName() {
        return helo;
    }

    @Override
    public String confirmedName() {
        return confirmedName;
    }

    @Override
    public String authenticatedAccount() {
        return null;
    }

    @Override
    public String sender() {
        return sender;
    }

    @Override
    public List<MailAddress> recipients() {
        List<MailAddress> list = new ArrayList<>(recipients.size());
        for (Accepted a : recipients) {
            list.add(a.address());
        }
        return List.copyOf(list);
    }
}
