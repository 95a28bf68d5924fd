package org.postern.smtp.internal;

import org.postern.protocol.smtp.DataFraming;
import org.postern.protocol.smtp.SmtpSyntax;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.postern.api.address.MailAddress;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.MailStore;
import org.postern.api.mail.SendingServer;
import org.postern.api.store.BlobId;
import org.postern.api.store.BlobStore;
import org.postern.core.store.StoreUnavailableException;

/**
 * Hands an accepted message to the mail store: one blob per recipient, each with its own
 * Received header naming only that recipient (so one recipient never learns the others), every
 * blob durable (the store's blob journal) and every delivery recorded, in one store transaction
 * for all recipients, before the caller answers 250. On failure nobody got the message, the
 * blobs are deleted and the caller answers 451; the sending server's retry duplicates nothing.
 * Shared by the MX and (later) submission's local deliveries.
 */
final class Delivery {
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** Who handed the message over and how, for the Received header (RFC 5321 4.4). */
    record Trace(String helo, String confirmedName, InetAddress client, String byHost, String with) {
        byte[] receivedHeader(MailAddress recipient, String id, Instant when) {
            String literal = client instanceof Inet6Address ? "IPv6:" + stripScope(client.getHostAddress())
                    : client.getHostAddress();
            String header = "Received: from " + helo + " (" + (confirmedName == null ? "unknown" : confirmedName)
                    + " [" + literal + "])\r\n\tby " + byHost + " (Postern) with " + with + " id " + id
                    + "\r\n\tfor <" + recipient + ">; " + DATE.format(when) + "\r\n";
            return header.getBytes(StandardCharsets.UTF_8);
        }

        private static String stripScope(String v6) {
            int pct = v6.indexOf('%');
            return pct < 0 ? v6 : v6.substring(0, pct);
        }
    }

    private Delivery() {
    }

    /**
     * Stores the spooled message for every recipient. A recipient whose account was removed
     * after RCPT is skipped (its body deleted): the mail store files nothing for it.
     *
     * @return how many recipients got the message (0: every account was gone)
     * @throws IOException or a RuntimeException when any recipient could not be served: then no
     *         recipient got it (one store transaction for all), and the blobs are deleted first
     */
    static int deliver(BlobStore blobs, MailStore store, List<SmtpSession.Accepted> recipients, MessageContent content,
            String sender, Trace trace, String id, Instant now) throws IOException {
        SendingServer from = new SendingServer(trace.client().getHostAddress(), trace.helo(), trace.confirmedName());
        List<IncomingMessage> messages = new ArrayList<>();
        try {
            int roleFiled = 0;
            for (SmtpSession.Accepted r : recipients) {
                byte[] received = trace.receivedHeader(r.address(), id, now);
                if (r.accountId() == null) {
                    RoleMail.keep(r.roleMail(), id + "-" + roleFiled, received, content);
                    roleFiled++;
                    continue;
                }
                BlobId blob;
                try (InputStream body = new SequenceInputStream(new ByteArrayInputStream(received), content.open())) {
                    // Made durable with its filing: one journal flush for both, and 250 after it.
                    blob = blobs.putForFiling(body);
                }
                messages.add(new IncomingMessage(r.accountId(), r.address(), sender, from, blob,
                        received.length + content.size(), now));
            }
            // One transaction for every recipient: all get their copy or none does, so the
            // sending server's retry after a 451 duplicates nothing.
            long[] uids = messages.isEmpty() ? new long[0] : store.deliverAllDurably(messages, MailStore.INBOX);
            int filed = roleFiled;
            for (int i = 0; i < uids.length; i++) {
                if (uids[i] < 0) {
                    deleteQuietly(blobs, messages.get(i).body()); // the account was removed since RCPT
                } else {
                    filed++;
                }
            }
            return filed;
        } catch (IOException | RuntimeException e) {
            // When the database went away during the commit, it may have committed: the bodies
            // are left for the orphan sweep, which deletes only those no row refers to. The
            // sending server retries after the 451 (a duplicate at worst, never a message
            // without its body). Otherwise nothing was filed and every body goes.
            if (!StoreUnavailableException.isCause(e)) {
                for (IncomingMessage m : messages) {
                    deleteQuietly(blobs, m.body());
                }
            }
            throw e;
        }
    }

    private static void deleteQuietly(BlobStore blobs, BlobId blob) {
        try {
            blobs.delete(blob);
        } catch (IOException | RuntimeException ignored) {
            // left for the blob store's collection of unreferenced bodies
        }
    }
}
