package org.postern.core.store;

import org.postern.api.store.BlobId;
import java.util.Collection;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;
import java.util.Optional;
import org.postern.api.mail.AccountGoneException;
import org.postern.api.mail.FolderSnapshot;
import org.postern.api.mail.IncomingMessage;

/** Mailbox and message rows. Used by the mail store bundle only. */
@ProviderType
public interface MessageRepository {
    /**
     * Files a message whose body is already durable into the account's folder, creating the
     * folder if needed, and returns its UID there. UIDs in a folder only grow; concurrent
     * deliveries into one folder get distinct UIDs.
     *
     * @throws AccountGoneException when the account does not exist or is removed (also when it is
     *         removed while this runs): no folder is created and no row written
     */
    default long append(String accountId, String folder, IncomingMessage message) {
        return append(accountId, folder, message, null);
    }

    /**
     * As {@link #append(String, String, IncomingMessage)}, keeping the message's parsed structure
     * (the stored form of {@code org.postern.mime.MessageStructure}; null: none, parsed when first
     * asked for) in the same row and transaction.
     *
     * @throws IllegalArgumentException when {@code structure} is longer than
     *         {@link #MAX_STRUCTURE} octets (the caller stores none instead)
     * @since 1.3
     */
    long append(String accountId, String folder, IncomingMessage message, byte[] structure);

    /** One message of {@link #appendAll}: where it goes and its parsed structure (null: none). */
    record Filing(String accountId, String folder, IncomingMessage message, byte[] structure) {
    }

    /**
     * Files several messages (one message's copies for its recipients) in one transaction: every
     * filing whose account still exists is filed, or, when anything fails, none is, so that the
     * sender's retry duplicates nothing. A filing whose account does not exist or is removed gets
     * {@code -1} and nothing; the others are filed. Folders are created as {@link #append} does,
     * each in a transaction of its own before the filing one (an empty INBOX may stay behind a
     * failure).
     *
     * @return per filing, in order, its UID or {@code -1}
     * @throws IllegalArgumentException for a structure over {@link #MAX_STRUCTURE}
     * @since 1.5
     */
    long[] appendAll(List<Filing> filings);

    /**
     * Like {@link #appendAll}, but may return before the filings are in the database: once they
     * and their bodies are durable in this node's journal. They are filed moments later, in the
     * order they were journaled, exactly once (after a crash, from the journal, at start), and
     * every read of the account waits for them meanwhile. A filing whose account is removed by
     * then is dropped and its body deleted. When the journal cannot take them, as
     * {@link #appendAll}.
     *
     * @return per filing its UID or {@code -1} as {@link #appendAll}, or {@code 0}: journaled,
     *         UID not known yet
     * @since 1.13
     */
    default long[] appendAllJournaled(List<Filing> filings) {
        return appendAll(filings);
    }

    /**
     * Longest stored structure a message row keeps (the database column holds its base64 text,
     * at most 32,672 characters on Derby). A message with a larger one (thousands of parts) has
     * none stored and is parsed whenever its structure is needed, as before structures were kept.
     *
     * @since 1.3
     */
    int MAX_STRUCTURE = 24_504;

    /** Number of messages in an account's folder (0 when there is no such folder). */
    long count(String accountId, String folder);

    /** Every folder of the account with its message count, by name. */
    java.util.SortedMap<String, Long> folders(String accountId);

    /**
     * Deletes the account's folders and messages and, in the same transaction, records their
     * bodies for deletion; the store then unlinks them, retrying until they are gone. Returns the
     * bodies recorded (nothing to do for the caller).
     */
    List<BlobId> deleteAllMail(String accountId);

    /**
     * Records bodies that no message row refers to (one a delivery filter replaced, one a failed
     * delivery left) for deletion, when unlinking them at once failed: the store retries until
     * they are gone. {@code reason} is a short code for the log, such as {@code "replaced"}; never
     * message content.
     */
    void recordForDeletion(Collection<BlobId> bodies, String reason);

    /**
     * The folder's messages now, ascending by UID, and its UIDVALIDITY, read in one transaction;
     * {@link FolderSnapshot#missing} when the account has no such folder.
     */
    FolderSnapshot snapshot(String accountId, String folder);

    /**
     * The body of one message, or empty when it is gone or the folder's UIDVALIDITY is no
     * longer {@code uidValidity}.
     */
    Optional<BlobId> body(String accountId, String folder, long uidValidity, long uid);

    /**
     * Deletes those messages of the folder and, in the same transaction, records their bodies
     * for deletion (the store then unlinks them, retrying until they are gone), and bumps the
     * folder's highest MODSEQ when any was deleted. UIDs already gone are skipped; nothing
     * happens when the folder's UIDVALIDITY is no longer {@code uidValidity}.
     *
     * @return the bodies of the messages this call deleted, as recorded (nothing to do for the caller)
     */
    List<BlobId> delete(String accountId, String folder, long uidValidity, Collection<Long> uids);
}
