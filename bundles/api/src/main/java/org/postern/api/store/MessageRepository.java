package org.postern.api.store;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;
import org.postern.api.mail.IncomingMessage;

/** Mailbox and message rows. Used by the mail store bundle only. */
@ProviderType
public interface MessageRepository {
    /**
     * Files a message whose body is already durable into the account's folder, creating the
     * folder if needed, and returns its UID there. UIDs in a folder only grow; concurrent
     * deliveries into one folder get distinct UIDs.
     */
    long append(String accountId, String folder, IncomingMessage message);

    /** Number of messages in an account's folder (0 when there is no such folder). */
    long count(String accountId, String folder);

    /** Every folder of the account with its message count, by name. */
    java.util.SortedMap<String, Long> folders(String accountId);

    /** The blobs of every message of the account; then deletes its folders and messages. */
    List<BlobId> deleteAllMail(String accountId);
}
