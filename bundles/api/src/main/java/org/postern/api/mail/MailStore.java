package org.postern.api.mail;

import org.osgi.annotation.versioning.ProviderType;

/** Mailboxes and messages. Provisional: delivery only until the IMAP issue adds access. */
@ProviderType
public interface MailStore {
    /** The folder incoming mail lands in unless a filter routes it elsewhere. */
    String INBOX = "INBOX";

    /**
     * Files a message into an account's folder (created if missing) and returns its UID there.
     * Returns once the metadata is committed; the body must already be durable.
     * <p>
     * Bodies: once filed, the message's body belongs to the store. When a delivery filter replaced
     * it, the replaced body is deleted. When this throws, nothing was filed, every body a filter
     * made during this call is deleted, and {@code message.body()} is left to the caller (to retry
     * with, bounce or delete).
     *
     * @throws AccountGoneException when the account does not exist or was removed (also when that
     *         happened during this call); no folder is created for it. A permanent failure for
     *         this recipient: SMTP should not ask the sender to retry
     * @throws java.io.UncheckedIOException when a filter asked for a retry later
     */
    long deliver(IncomingMessage message, String folder);

    /** The account's folders with their message counts, by name. */
    java.util.SortedMap<String, Long> folders(String accountId);
}
