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
     */
    long deliver(IncomingMessage message, String folder);

    /** The account's folders with their message counts, by name. */
    java.util.SortedMap<String, Long> folders(String accountId);
}
