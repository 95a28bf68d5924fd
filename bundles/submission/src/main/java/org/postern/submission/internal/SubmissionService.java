package org.postern.submission.internal;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.address.MailAddress;
import org.postern.api.policy.RecipientPolicy;
import org.postern.api.policy.RecipientVerdict;
import org.postern.api.smtp.CoreService;
import org.postern.core.submission.Submission;
import org.postern.core.submission.SubmissionException;
import org.postern.core.submission.SubmissionException.Reason;
import org.postern.protocol.ServerTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path by which an account's mail enters the outbound queue, for the submission port and
 * for {@link Submission} callers alike: sender authorization, limits, the privacy rewrite of the
 * header and a Received field naming only this service, then the queue.
 *
 * <p>An account may send as its primary address and as any address at a domain it owns (its
 * catch-all aliases), unless its own catch-all rules refuse that alias: exactly the addresses the
 * recipient policy would deliver to this same account. A killed alias can therefore neither
 * receive nor send.
 */
@Component(service = {Submission.class, SubmissionService.class}, configurationPid = SubmissionConfig.PID,
        property = CoreService.PROPERTY + "=true")
@Designate(ocd = SubmissionConfig.class)
public class SubmissionService implements Submission {
    private static final Logger LOG = LoggerFactory.getLogger(SubmissionService.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    @Reference
    OutboundQueue queue;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile RecipientPolicy policy;

    /** The TLS identity, whose host name the Received field names when {@code hostname} is empty. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile ServerTls serverTls;

    /** As configured; empty: {@link #hostname()} decides at each message. */
    private final String hostname;
    private final long maxMessageSize;
    private final int maxRecipients;
    private final Set<String> strip;
    private final SendingLimits limits;

    @Activate
    public SubmissionService(SubmissionConfig config) {
        // Empty stays empty: the documented fallback is org.postern.tls's host name (as the
        // greeting has), not this machine's canonical name, which is often an internal one
        // ("ip-10-0-3-7.internal", a container id, a bare IP) and then named every message sent.
        this(config.hostname().strip(),
                config.max_message_size(), config.max_recipients(), config.strip_headers(), config.messages_per_hour(),
                config.recipients_per_day());
    }

    SubmissionService(String hostname, long maxMessageSize, int maxRecipients, String[] strip, int messagesPerHour,
            int recipientsPerDay) {
        this.hostname = hostname;
        this.maxMessageSize = maxMessageSize;
        this.maxRecipients = maxRecipients;
        Set<String> s = new HashSet<>();
        // a .cfg file gives "a,b,c" as one string, not an array: split every entry
        for (String entry : strip) {
            for (String name : entry.split(",")) {
                if (!name.isBlank()) {
                    s.add(name.strip().toLowerCase(Locale.ROOT));
                }
            }
        }
        this.strip = Set.copyOf(s);
        this.limits = new SendingLimits(messagesPerHour, recipientsPerDay);
    }

    @Override
    public String submit(String accountId, String envelopeSender, List<String> recipients, InputStream message)
            throws SubmissionException {
        return submit(accountId, envelopeSender, recipients, message, "HTTP");
    }

    /** {@code with} names the protocol in the Received field: ESMTPSA for the submission port. */
    String submit(String accountId, String envelopeSender, List<String> recipients, InputStream message, String with)
            throws SubmissionException {
        if (!maySendAs(accountId, envelopeSender)) {
            throw new SubmissionException(Reason.SENDER_NOT_ALLOWED);
        }
        // The queue and the outbound MAIL FROM / RCPT TO get the normal form, never the text as
        // given: MailAddress.parse trims, so "alice@x\r" (a bare CR inside MAIL FROM:<...> on
        // the submission port) or "<carol@y>\r\n" from an in-process caller passed every check
        // and went verbatim into the remote server's command lines.
        envelopeSender = MailAddress.parse(envelopeSender).toString();
        java.util.LinkedHashSet<String> normal = new java.util.LinkedHashSet<>();
        for (String r : recipients) {
            try {
                normal.add(MailAddress.parse(r).toString());
            } catch (IllegalArgumentException e) {
                throw new SubmissionException(Reason.RECIPIENT_UNKNOWN);
            }
        }
        recipients = List.copyOf(normal); // the queue's contract: no duplicates
        if (recipients.isEmpty() || recipients.size() > maxRecipients) {
            throw new SubmissionException(recipients.isEmpty() ? Reason.MALFORMED : Reason.TOO_MANY_RECIPIENTS);
        }
        for (String r : recipients) {
            RecipientVerdict v = decide(r, envelopeSender);
            if (v.kind() == RecipientVerdict.Kind.USER_UNKNOWN || v.kind() == RecipientVerdict.Kind.RELAY_DENIED) {
                throw new SubmissionException(Reason.RECIPIENT_UNKNOWN);
            }
        }
        HeaderRewrite.Result header;
        try {
            header = HeaderRewrite.rewrite(message, strip);
        } catch (HeaderRewrite.Malformed e) {
            throw new SubmissionException(e.tooBig ? Reason.TOO_BIG : Reason.MALFORMED, e);
        } catch (IOException e) {
            throw new SubmissionException(Reason.TEMPORARY, e);
        }
        List<String> from = header.from().isEmpty() ? List.of(envelopeSender) : header.from();
        for (String f : from) {
            if (!maySendAs(accountId, f)) {
                throw new SubmissionException(Reason.FROM_NOT_ALLOWED);
            }
        }
        String over = limits.take(accountId, recipients.size(), Instant.now());
        if (over != null) {
            LOG.warn("Postern submission: account {} reached its sending limit ({})", accountId, over);
            throw new SubmissionException(over.equals("messages") ? Reason.RATE_LIMITED : Reason.TOO_MANY_RECIPIENTS);
        }
        String id = HexFormat.of().formatHex(bytes(8));
        Instant now = Instant.now();
        ByteArrayOutputStream top = new ByteArrayOutputStream();
        // Names this service only: no client name, address or software (RFC 5321 4.4 allows the
        // "from" clause to be left out)
        String hostname = hostname();
        top.writeBytes(("Received: by " + hostname + " (Postern) with " + with + " id " + id + ";\r\n\t"
                + DATE.format(now) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        top.writeBytes(header.header());
        if (!header.hasDate()) {
            top.writeBytes(("Date: " + DATE.format(now) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        if (!header.hasMessageId()) {
            top.writeBytes(("Message-ID: <" + HexFormat.of().formatHex(bytes(16)) + "@" + hostname + ">\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        if (top.size() > maxMessageSize) {
            limits.refund(accountId, recipients.size());
            throw new SubmissionException(Reason.TOO_BIG);
        }
        InputStream whole = new Limited(new SequenceInputStream(new java.io.ByteArrayInputStream(top.toByteArray()),
                new CrlfOnly(header.body())), maxMessageSize);
        try {
            String queued = queue.submit(accountId, envelopeSender, recipients, whole);
            LOG.info("Postern submission: account {} queued {} for {} recipient(s)", accountId, queued, recipients.size());
            return queued;
        } catch (Limited.TooBig e) {
            limits.refund(accountId, recipients.size());
            throw new SubmissionException(Reason.TOO_BIG, e);
        } catch (CrlfOnly.Bare e) {
            limits.refund(accountId, recipients.size());
            throw new SubmissionException(Reason.MALFORMED, e);
        } catch (IOException | RuntimeException e) {
            limits.refund(accountId, recipients.size());
            LOG.warn("Postern submission: cannot queue a message of account {}: {}", accountId, e.toString());
            throw new SubmissionException(Reason.TEMPORARY, e);
        }
    }

    /** The Received field's host name: configured, else org.postern.tls's, else this machine's. */
    String hostname() {
        if (!hostname.isBlank()) {
            return hostname;
        }
        ServerTls t = serverTls;
        return t != null ? t.hostname() : OutboundSettings.machineName();
    }

    /**
     * Whether the account may use this address as sender: the recipient policy delivers it to
     * this same account (primary address, or an owned domain's alias its catch-all rules accept).
     */
    boolean maySendAs(String accountId, String address) throws SubmissionException {
        if (address == null || address.isEmpty()) {
            return false;
        }
        MailAddress parsed;
        try {
            parsed = MailAddress.parse(address);
        } catch (IllegalArgumentException e) {
            return false;
        }
        RecipientVerdict v = decide(parsed.toString(), "");
        return v.kind() == RecipientVerdict.Kind.ACCEPT && v.resolution().account().id().equals(accountId);
    }

    private RecipientVerdict decide(String address, String sender) throws SubmissionException {
        RecipientPolicy p = policy;
        if (p == null) {
            throw new SubmissionException(Reason.TEMPORARY);
        }
        try {
            RecipientVerdict v = p.decide(address, sender, List.of(), true);
            if (v == null) {
                throw new SubmissionException(Reason.TEMPORARY);
            }
            return v;
        } catch (IllegalArgumentException e) {
            return RecipientVerdict.userUnknown();
        } catch (RuntimeException e) {
            throw new SubmissionException(Reason.TEMPORARY, e);
        }
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /**
     * Fails the read that meets a bare CR, a bare LF or a NUL, so the blob is never completed:
     * the submission port refuses them (DataFraming), the in-process path must too, or a body
     * with "x\r.\r" went out unstuffed (the client stuffs dots after LF only), and servers that
     * end DATA at a bare CR took what followed as commands (SMTP smuggling).
     */
    static final class CrlfOnly extends FilterInputStream {
        static final class Bare extends IOException {
            private static final long serialVersionUID = 1L;

            Bare() {
                super("a bare CR, a bare LF or a NUL in the message");
            }
        }

        private boolean cr;

        CrlfOnly(InputStream in) {
            super(in);
        }

        private void check(int c) throws Bare {
            if (c == 0 || (cr && c != '\n') || (!cr && c == '\n')) {
                throw new Bare();
            }
            cr = c == '\r';
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) {
                check(c);
            } else if (cr) {
                throw new Bare();
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int r = super.read(b, off, len);
            for (int i = 0; i < r; i++) {
                check(b[off + i] & 0xff);
            }
            if (r < 0 && cr) {
                throw new Bare();
            }
            return r;
        }

        @Override
        public long skip(long n) throws IOException {
            throw new IOException("not skippable"); // every octet is checked
        }
    }

    /** Fails the read that goes past the limit, so the blob is never completed. */
    static final class Limited extends FilterInputStream {
        static final class TooBig extends IOException {
            private static final long serialVersionUID = 1L;

            TooBig() {
                super("message larger than allowed");
            }
        }

        private final long max;
        private long count;

        Limited(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0 && ++count > max) {
                throw new TooBig();
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int r = super.read(b, off, len);
            if (r > 0 && (count += r) > max) {
                throw new TooBig();
            }
            return r;
        }
    }
}
