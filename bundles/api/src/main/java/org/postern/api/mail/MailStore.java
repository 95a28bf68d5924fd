package org.postern.api.mail;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Mailboxes and messages. Provisional: delivery, plus the reading and deleting POP3 needs
 * ({@link #snapshot}, {@link #open}, {@link #delete}); the IMAP issue grows it (flags, MODSEQ,
 * folders). Messages are named by folder, UIDVALIDITY and UID, so a name taken from a snapshot
 * never reaches another message after the folder was deleted and created again.
 */
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

    /**
     * Files one message for several recipients (a copy per recipient, each with its own body)
     * into each account's folder at once: every recipient whose account still exists gets its
     * copy, or, when anything fails, none does, so the sender's retry duplicates nothing. Bodies
     * as {@link #deliver}: each filed one belongs to the store; when this throws, every
     * {@code messages.get(i).body()} is left to the caller.
     *
     * @return per message, in order, its UID, or {@code -1} when its account does not exist or
     *         was removed (nothing filed for it; that body is left to the caller)
     * @throws java.io.UncheckedIOException when a filter asked for a retry later (nothing filed)
     * @since 0.6
     */
    long[] deliverAll(java.util.List<IncomingMessage> messages, String folder);

    /**
     * Like {@link #deliverAll}, for a delivery that is acknowledged as soon as it is durable
     * (the MX): it may return once every copy and its filing are on stable storage, before the
     * copies are in their folders; they appear there moments later, in order, exactly once, and
     * reads of the account wait for them. Bodies as {@link #deliverAll}.
     *
     * @return per message its UID, {@code -1} as {@link #deliverAll}, or {@code 0}: durable,
     *         filed moments later (a copy whose account is removed by then is dropped)
     * @since 0.8
     */
    default long[] deliverAllDurably(java.util.List<IncomingMessage> messages, String folder) {
        return deliverAll(messages, folder);
    }

    /** The account's folders with their message counts, by name. */
    java.util.SortedMap<String, Long> folders(String accountId);

    /**
     * The folder's messages now, in ascending UID order, with its UIDVALIDITY; an empty snapshot
     * with UIDVALIDITY 0 when the account has no such folder. Reads only: nothing is marked seen.
     */
    FolderSnapshot snapshot(String accountId, String folder);

    /**
     * Opens a message's body for reading, streaming from the blob store (never read whole into
     * memory). Empty when the folder's UIDVALIDITY is no longer {@code uidValidity} or the
     * message is gone (deleted meanwhile). The caller closes the stream.
     *
     * @throws IOException when the body exists but cannot be opened
     */
    Optional<InputStream> open(String accountId, String folder, long uidValidity, long uid) throws IOException;

    /**
     * Deletes messages for good (DESIGN section 3: no backups): their rows go and, in the same
     * transaction, their bodies are recorded for deletion, which the store unlinks at once and
     * retries until they are gone. Bumps the folder's MODSEQ when anything was deleted. UIDs that
     * are already gone are skipped; nothing is deleted when the folder's UIDVALIDITY is no longer
     * {@code uidValidity}.
     *
     * @return how many messages this call deleted
     */
    int delete(String accountId, String folder, long uidValidity, Collection<Long> uids);
}
