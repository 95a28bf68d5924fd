package org.postern.core.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;
import org.postern.api.mail.AccountGoneException;
import org.postern.api.mail.FolderExistsException;
import org.postern.api.mail.FolderNotFoundException;
import org.postern.api.mail.Mailboxes.AppendResult;
import org.postern.api.mail.Mailboxes.CopyResult;
import org.postern.api.mail.Mailboxes.FlagUpdate;
import org.postern.api.mail.Mailboxes.FolderChanges;
import org.postern.api.mail.Mailboxes.FolderInfo;
import org.postern.api.mail.Mailboxes.FolderView;
import org.postern.api.mail.Mailboxes.StoreResult;
import org.postern.api.mail.OverQuotaException;
import org.postern.api.store.BlobId;

/**
 * Folders and messages as IMAP sees them (the rows behind {@code org.postern.api.mail.Mailboxes}).
 * Used by the mail store bundle only, which checks folder names and flags first: names here are
 * exact ({@code INBOX} already in upper case), flags already canonical.
 * <p>
 * Every method that changes anything does it in one transaction that row-locks the folders it
 * touches, takes one new MODSEQ per folder ({@code highest_modseq + 1}) for every row it changes,
 * keeps the folder's {@code used_bytes} in step with its message rows, and announces
 * {@link ChangeListener#MAIL} with the account id. Rows are only ever deleted together with a
 * record of their bodies for deletion (the store's reaper unlinks a body once no row refers to
 * it, so copies may share one).
 */
@ProviderType
public interface MailboxRepository {
    /** Every folder of the account, ordered by name. */
    List<FolderInfo> folders(String accountId);

    /**
     * Every folder's name and SPECIAL-USE (null when none), ordered by name, without counting
     * messages: {@link #folders} counts each folder's messages and unseen ones, a scan of every
     * message, where a login only needs to know which folders exist.
     *
     * @since 1.3
     */
    List<FolderName> folderNames(String accountId);

    /** A folder's name and its SPECIAL-USE attribute, or null. */
    record FolderName(String name, String specialUse) {
    }

    Optional<FolderInfo> folder(String accountId, String name);

    /**
     * Creates a folder with a fresh UIDVALIDITY, not subscribed (RFC 3501: CREATE does not
     * subscribe). Folders {@link #ensureFolder} or a delivery creates are subscribed.
     *
     * @throws FolderExistsException when the account has a folder of that name (also one created
     *         concurrently)
     * @throws AccountGoneException when the account does not exist or is removed
     */
    FolderInfo createFolder(String accountId, String name, String specialUse);

    /**
     * Makes sure a folder with that SPECIAL-USE exists: nothing when one does; else gives the
     * folder {@code name} the attribute when it has none; else creates {@code name} with it.
     *
     * @return true when a folder was created
     * @throws AccountGoneException when the account does not exist or is removed
     */
    boolean ensureFolder(String accountId, String name, String specialUse);

    /**
     * Deletes the folder, its messages and, in the same transaction, records their bodies for
     * deletion.
     *
     * @throws FolderNotFoundException when there is no such folder
     */
    void deleteFolder(String accountId, String name);

    /**
     * Renames {@code from} and every folder below it ({@code from/...}), keeping their
     * UIDVALIDITY. {@code from} = {@code INBOX}: a new folder {@code to} (new UIDVALIDITY) takes
     * INBOX's messages with their UIDs, INBOX stays, empty, and folders below INBOX stay where they are.
     *
     * @throws FolderNotFoundException when {@code from} does not exist
     * @throws FolderExistsException when {@code to}, or a name a folder below would get, exists
     * @throws IllegalArgumentException when {@code to} is below {@code from}, or a new name would
     *         be longer than 255 characters
     */
    void renameFolder(String accountId, String from, String to);

    /** @throws FolderNotFoundException when there is no such folder */
    void setSubscribed(String accountId, String name, boolean subscribed);

    /** @throws FolderNotFoundException when there is no such folder */
    FolderView view(String accountId, String name);

    /** @throws FolderNotFoundException when there is no such folder or it has another UIDVALIDITY */
    FolderChanges changes(String accountId, String name, long uidValidity, long sinceModseq);

    /**
     * Flags compare case-insensitively (a keyword added in another case is not added again).
     *
     * @throws FolderNotFoundException when there is no such folder or it has another UIDVALIDITY
     * @throws IllegalArgumentException when a message's flags would not fit (1000 characters)
     */
    StoreResult storeFlags(String accountId, String folder, long uidValidity, Collection<Long> uids, FlagUpdate how,
            Set<String> flags, long unchangedSince);

    /**
     * Deletes the messages flagged {@code \Deleted} among {@code uids} (null: all of them) and
     * records their bodies.
     *
     * @return the UIDs expunged, ascending
     * @throws FolderNotFoundException when there is no such folder or it has another UIDVALIDITY
     */
    List<Long> expunge(String accountId, String folder, long uidValidity, Collection<Long> uids);

    /**
     * Copies (or moves) messages, sharing their bodies; new UIDs in ascending order of the old
     * ones, flags and INTERNALDATE kept, each new row with the target's new MODSEQ. A copy
     * that would take the account's {@code used_bytes} above {@code quotaLimit} (0: no limit) is
     * refused; a move never is (the account's usage does not change).
     *
     * @throws FolderNotFoundException when either folder does not exist, or {@code from} has
     *         another UIDVALIDITY
     * @throws OverQuotaException as said
     */
    CopyResult copy(String accountId, String from, long uidValidity, Collection<Long> uids, String to, boolean move,
            long quotaLimit);

    /**
     * Files a message whose body is already durable into an existing folder, refusing it when the
     * account's usage plus {@code size} would exceed {@code quotaLimit} (0: no limit).
     *
     * @throws FolderNotFoundException when the folder does not exist
     * @throws AccountGoneException when the account is removed
     * @throws OverQuotaException as said
     */
    default AppendResult append(String accountId, String folder, BlobId body, long size, Set<String> flags,
            Instant internalDate, long quotaLimit) {
        return append(accountId, folder, body, size, flags, internalDate, quotaLimit, null);
    }

    /**
     * As the method above, keeping the message's parsed structure (the stored form of
     * {@code org.postern.mime.MessageStructure}, at most {@link MessageRepository#MAX_STRUCTURE}
     * octets; null: none) in the same row and transaction.
     *
     * @since 1.3
     */
    AppendResult append(String accountId, String folder, BlobId body, long size, Set<String> flags,
            Instant internalDate, long quotaLimit, byte[] structure);

    /**
     * For each of {@code uids} still in the folder, its body and its stored structure (null when
     * none was stored: a message filed before schema version 8, or one whose structure was too
     * large to keep). One query per few hundred UIDs. Copies and moves carry the structure along
     * with the row.
     *
     * @throws FolderNotFoundException when there is no such folder or it has another UIDVALIDITY
     * @since 1.3
     */
    List<StoredStructure> structures(String accountId, String folder, long uidValidity, Collection<Long> uids);

    /**
     * Writes structures computed after the fact (lazy backfill of messages filed before schema
     * version 8) into rows that still have none, in one transaction; UIDs gone meanwhile are
     * skipped. Not a change a client sees: no MODSEQ, no announcement.
     *
     * @param structures UID to stored form, each at most {@link MessageRepository#MAX_STRUCTURE} octets
     * @return how many rows were written
     * @since 1.3
     */
    int backfillStructures(String accountId, String folder, long uidValidity, java.util.Map<Long, byte[]> structures);

    /**
     * One message's body and stored structure (null: none stored).
     *
     * @since 1.3
     */
    record StoredStructure(long uid, BlobId body, byte[] structure) {
    }

    /**
     * One message's metadata, by the primary key: empty when it is gone or the folder's UIDVALIDITY
     * is another. What a reader of one message needs without listing the folder.
     *
     * @since 1.10
     */
    Optional<org.postern.api.mail.Mailboxes.MessageInfo> message(String accountId, String folder, long uidValidity, long uid);

    /** The body of one message, or empty when it is gone or the folder's UIDVALIDITY is another. */
    Optional<BlobId> body(String accountId, String folder, long uidValidity, long uid);

    /**
     * The sending server recorded when the message was delivered, or empty (not delivered by
     * SMTP, gone, or the folder's UIDVALIDITY is another).
     *
     * @since 1.10
     */
    Optional<org.postern.api.mail.SendingServer> sendingServer(String accountId, String folder, long uidValidity, long uid);

    /** Octets the account's messages take, all folders (their sizes as filed). */
    long usedBytes(String accountId);

    /** The account's own storage limit in octets (0: none); empty when the default applies. */
    OptionalLong quotaBytes(String accountId);

    /** What {@link #usedBytes} and {@link #quotaBytes} say, read together. @since 1.12 */
    record Usage(long usedBytes, OptionalLong quotaBytes) {
    }

    /**
     * {@link #usedBytes} and {@link #quotaBytes} of one account in one read: the MX asks for
     * both at every RCPT. An unknown account uses nothing and has no limit of its own.
     *
     * @since 1.12
     */
    default Usage usage(String accountId) {
        return new Usage(usedBytes(accountId), quotaBytes(accountId));
    }

    /**
     * Sets the account's own storage limit in octets (0: none), or with null goes back to the
     * default.
     *
     * @return false when there is no such account (or it is removed)
     */
    boolean setQuotaBytes(String accountId, Long bytes);
}
