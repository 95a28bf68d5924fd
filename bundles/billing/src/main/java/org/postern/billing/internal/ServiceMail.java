package org.postern.billing.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import org.postern.api.account.Account;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.MailStore;
import org.postern.api.store.BlobId;
import org.postern.api.store.BlobStore;
import org.postern.core.billing.Plan;

/**
 * The mail the service writes itself: reminders, the expiry notice and receipts. Plain text in
 * UTF-8, never HTML, with no URL, no address and no domain name in its text (its users are
 * phishing targets: a real notice that never links makes every linking one suspect), and a footer
 * that says so. It is filed into the account's INBOX through {@link MailStore#deliver}, the path
 * every incoming message takes (delivery filters included), from the null sender, so nothing can
 * answer or bounce it.
 */
final class ServiceMail {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter DATE_HEADER = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH);

    enum Template {
        REMINDER("Your account expires in {days}", """
                Your account is paid up to {expires}. It expires in {days}.

                To keep it, pay the way you paid before. The new period counts from
                {expires}, so paying early loses nothing.

                If it expires, logins stop, but your mail is still received and kept
                until {removal}. After that the account and everything in it are
                deleted, and cannot be restored.
                """),
        EXPIRED("Your account has expired", """
                Your account expired on {expires}. Logins are stopped until it is paid.

                Your mail is still received and kept. Pay the way you paid before and
                the account is unlocked at once; the new period counts from {expires}.

                If it is not paid by {removal}, the account and everything in it are
                deleted, and cannot be restored.
                """),
        RECEIPT("Payment received", """
                We received your payment of {amount} for {period}.
                Your account is paid up to {expires}.
                """);

        final String subject;
        final String body;

        Template(String subject, String body) {
            this.subject = subject;
            this.body = body;
        }
    }

    static final String FOOTER = """
            --
            This message is plain text and contains no links. We never send links:
            a message that asks you to follow one, or to give your password, is not
            from us.
            """;

    private final String serviceName;

    ServiceMail(String serviceName) {
        if (!validServiceName(serviceName)) {
            throw new IllegalArgumentException("service.name must be 1 to 64 letters, digits, spaces, - & ' (no dots: "
                    + "service mail must not contain anything that looks like a link)");
        }
        this.serviceName = serviceName.strip();
    }

    static boolean validServiceName(String name) {
        if (name == null || name.isBlank() || name.strip().length() > 64) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == ' ' || c == '-' || c == '&' || c == '\'')) {
                return false;
            }
        }
        return true;
    }

    static String day(LocalDate d) {
        return DAY.format(d);
    }

    static String days(long n) {
        return n == 1 ? "1 day" : n + " days";
    }

    static String period(Plan p) {
        String unit = switch (p.unit()) {
            case DAYS -> "day";
            case MONTHS -> "month";
            case YEARS -> "year";
        };
        return p.count() + " " + unit + (p.count() == 1 ? "" : "s");
    }

    /** The text of a template with its values: only dates, numbers, amounts and periods ever go in. */
    String body(Template t, Map<String, String> values) {
        String text = t.body;
        for (Map.Entry<String, String> v : values.entrySet()) {
            text = text.replace("{" + v.getKey() + "}", v.getValue());
        }
        return text + "\n" + FOOTER + serviceName + "\n";
    }

    String subject(Template t, Map<String, String> values) {
        String s = t.subject;
        for (Map.Entry<String, String> v : values.entrySet()) {
            s = s.replace("{" + v.getKey() + "}", v.getValue());
        }
        return s;
    }

    /** The whole message, CRLF line ends. */
    byte[] message(Account to, Template t, Map<String, String> values, Instant now) {
        String domain = to.address().domain();
        StringBuilder m = new StringBuilder(1024);
        m.append("Date: ").append(DATE_HEADER.format(now.atZone(ZoneOffset.UTC))).append("\r\n");
        m.append("From: \"").append(serviceName).append("\" <postmaster@").append(domain).append(">\r\n");
        m.append("To: ").append(to.address()).append("\r\n");
        m.append("Subject: ").append(subject(t, values)).append("\r\n");
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        m.append("Message-ID: <").append(HexFormat.of().formatHex(id)).append("@").append(domain).append(">\r\n");
        // RFC 3834: no auto-responder answers it
        m.append("Auto-Submitted: auto-generated\r\n");
        m.append("MIME-Version: 1.0\r\n");
        m.append("Content-Type: text/plain; charset=UTF-8\r\n");
        m.append("Content-Transfer-Encoding: 8bit\r\n\r\n");
        m.append(body(t, values).replace("\n", "\r\n"));
        return m.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Files the message into the account's INBOX as a delivery from the null sender. */
    static void deliver(MailStore store, BlobStore blobs, Account to, byte[] message, Instant now) throws IOException {
        BlobId body = blobs.put(new ByteArrayInputStream(message));
        try {
            store.deliver(new IncomingMessage(to.id(), to.address(), "", null, body, message.length, now), MailStore.INBOX);
        } catch (RuntimeException e) {
            blobs.delete(body);
            throw e;
        }
    }
}
