package org.postern.submission.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * A delivery status notification (RFC 3464) for recipients that failed for good: a
 * multipart/report whose first part tells a person what happened in plain text with no links
 * (the service's own mail is plain text), a message/delivery-status part for software, and the
 * original message's header (text/rfc822-headers, at most {@value #MAX_ORIGINAL_HEADER} octets;
 * never the body, which may be large and is the sender's anyway).
 */
final class Dsn {
    static final int MAX_ORIGINAL_HEADER = 64 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** One recipient that failed and the reply or reason. */
    record Failure(String recipient, String reply) {
    }

    private Dsn() {
    }

    static byte[] build(String reportingHost, String queueId, String originalSender, List<Failure> failures,
            InputStream original, Instant now) throws IOException {
        String boundary = "=_postern_" + HexFormat.of().formatHex(bytes(12));
        StringBuilder m = new StringBuilder();
        m.append("From: Mail Delivery System <MAILER-DAEMON@").append(reportingHost).append(">\r\n");
        m.append("To: <").append(originalSender).append(">\r\n");
        m.append("Subject: Undelivered Mail Returned to Sender\r\n");
        m.append("Date: ").append(DATE.format(now)).append("\r\n");
        m.append("Message-ID: <").append(HexFormat.of().formatHex(bytes(16))).append('@').append(reportingHost)
                .append(">\r\n");
        m.append("Auto-Submitted: auto-replied\r\n"); // RFC 3834: no auto-reply to this
        m.append("MIME-Version: 1.0\r\n");
        m.append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"").append(boundary)
                .append("\"\r\n\r\n");
        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: text/plain; charset=utf-8\r\n");
        m.append("Content-Transfer-Encoding: 8bit\r\n\r\n");
        m.append("Your message could not be delivered to ")
                .append(failures.size() == 1 ? "this recipient" : "these recipients")
                .append(". It will not be tried again.\r\n\r\n");
        for (Failure f : failures) {
            m.append("  ").append(f.recipient()).append("\r\n    ").append(oneLine(f.reply())).append("\r\n");
        }
        m.append("\r\nThe header of your message is attached below. Reference: ").append(queueId).append("\r\n\r\n");
        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: message/delivery-status\r\n\r\n");
        m.append("Reporting-MTA: dns; ").append(reportingHost).append("\r\n");
        m.append("X-Postern-Queue-ID: ").append(queueId).append("\r\n");
        m.append("Arrival-Date: ").append(DATE.format(now)).append("\r\n");
        for (Failure f : failures) {
            m.append("\r\n");
            m.append("Final-Recipient: rfc822; ").append(f.recipient()).append("\r\n");
            m.append("Action: failed\r\n");
            m.append("Status: ").append(status(f.reply())).append("\r\n");
            String code = smtpCode(f.reply());
            if (code != null) {
                m.append("Diagnostic-Code: smtp; ").append(oneLine(f.reply())).append("\r\n");
            }
        }
        m.append("\r\n--").append(boundary).append("\r\n");
        m.append("Content-Type: text/rfc822-headers\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(m.toString().getBytes(StandardCharsets.UTF_8));
        out.write(header(original));
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** The original's header up to its blank line, at most {@link #MAX_ORIGINAL_HEADER} octets, whole lines. */
    private static byte[] header(InputStream in) throws IOException {
        byte[] b = in.readNBytes(MAX_ORIGINAL_HEADER);
        int end = b.length;
        for (int i = 0; i + 1 < b.length; i++) {
            if (b[i] == '\n' && (b[i + 1] == '\n' || b[i + 1] == '\r' && i + 2 < b.length && b[i + 2] == '\n')) {
                end = i + 1;
                break;
            }
        }
        if (end == b.length) {
            int lastLf = -1;
            for (int i = b.length - 1; i >= 0; i--) {
                if (b[i] == '\n') {
                    lastLf = i;
                    break;
                }
            }
            end = lastLf + 1;
        }
        return java.util.Arrays.copyOf(b, end);
    }

    /** The enhanced status code in the reply (RFC 3463), or 5.0.0. */
    static String status(String reply) {
        for (String word : reply.split(" ")) {
            if (word.matches("[245]\\.[0-9]{1,3}\\.[0-9]{1,3}")) {
                return word.charAt(0) == '2' ? "5.0.0" : "5" + word.substring(1);
            }
        }
        return "5.0.0";
    }

    private static String smtpCode(String reply) {
        for (String word : reply.split(" ")) {
            if (word.matches("[45][0-9][0-9]")) {
                return word;
            }
        }
        return null;
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n\\t]+", " ");
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
