package org.postern.api.mail;

import java.time.Instant;
import java.util.Objects;
import org.postern.api.address.MailAddress;
import org.postern.api.store.BlobId;

/** A message accepted for one local account, body already in the blob store. */
public final class IncomingMessage {
    private final String accountId;
    private final MailAddress recipient;
    private final String envelopeSender;
    private final SendingServer sendingServer;
    private final BlobId body;
    private final long size;
    private final Instant received;

    public IncomingMessage(String accountId, MailAddress recipient, String envelopeSender,
            SendingServer sendingServer, BlobId body, long size, Instant received) {
        this.accountId = Objects.requireNonNull(accountId);
        this.recipient = Objects.requireNonNull(recipient);
        this.envelopeSender = envelopeSender;
        this.sendingServer = sendingServer;
        this.body = Objects.requireNonNull(body);
        this.size = size;
        this.received = Objects.requireNonNull(received);
    }

    public String accountId() {
        return accountId;
    }

    public MailAddress recipient() {
        return recipient;
    }

    /** The MAIL FROM path; empty string for the null sender {@code <>}. */
    public String envelopeSender() {
        return envelopeSender;
    }

    public SendingServer sendingServer() {
        return sendingServer;
    }

    public BlobId body() {
        return body;
    }

    public long size() {
        return size;
    }

    public Instant received() {
        return received;
    }
}
