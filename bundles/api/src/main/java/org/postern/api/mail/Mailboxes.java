package org.postern.api.mail;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An account's folders and messages as IMAP sees them (RFC 3501, CONDSTORE RFC 7162, SPECIAL-USE
 * RFC 6154, QUOTA RFC 9208). Every call names its account; folders are named by their full name
 * with {@code /} as the hierarchy separator ({@code INBOX} in any case is the inbox); messages by
 * UID together with the folder's UIDVALIDITY, so a UID can never reach a message of a folder that
 * was deleted and created again ({@link FolderNotFoundException} then).
 * <p>
 * Every change (delivery, append, flags, expunge, copy, move, folder created, deleted or renamed)
 * gets a new MODSEQ from the folder's HIGHESTMODSEQ and is announced after its commit as
 * {@code ChangeListener} topic {@code "mail"} with the account id as key, on this node and, with
 * PostgreSQL, on every other node: sessions then ask {@link #changes} what happened.
 * <p>
 * Flags are kept as given, system flags with their backslash ({@code \Seen \Answered \Flagged
 * \Deleted \Draft}; {@code \Recent} is a session's and never stored) and keywords as atoms.
 */
@ProviderType
public interface Mailboxes {
    /** System flags a message may carry. */
    Set<String> SYSTEM_FLAGS = Set.of("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft");

    /**
     * A folder name as the store keeps it: INBOX in any case is INBOX (RFC 3501 5.1), also as the
     * first level of a longer name ({@code inbox/Receipts} is {@code INBOX/Receipts}).
     *
     * @since 0.5
     */
    static String canonicalName(String name) {
        if (name.equalsIgnoreCase("INBOX")) {
            return "INBOX";
        }
        if (name.length() > 6 && name.regionMatches(true, 0, "INBOX/", 0, 6)) {
            return "INBOX" + name.substring(5);
        }
        return name;
    }
    /** SPECIAL-USE attributes of the folders every account gets (RFC 6154). */
    String SENT = "\\Sent";
    String DRAFTS = "\\Drafts";
    String TRASH = "\\Trash";
    String JUNK = "\\Junk";
    String ARCHIVE = "\\Archive";

    /**
     * Makes INBOX, Sent, Drafts, Trash, Junk and Archive (with their SPECIAL-USE attributes) when
     * missing. Idempotent, safe to call at every login.
     */
    void ensureDefaultFolders(String accountId);

    /** Every folder of the account, by name. */
    List<FolderInfo> folders(String accountId);

    Optional<FolderInfo> folder(String accountId, String name);

    /**
     * @param specialUse one of the constants above or null
     * @throws FolderExistsException when a folder of that name (INBOX: in any case) exists
     * @throws IllegalArgumentException for a name that is empty, too long (255 characters) or
     *         has an empty hierarchy level
     */
    FolderInfo createFolder(String accountId, String name, String specialUse);

    /**
     * Deletes the folder and its messages for good (rows and bodies). INBOX cannot be deleted.
     *
     * @throws FolderNotFoundException when there is no such folder
     */
    void deleteFolder(String accountId, String name);

    /**
     * Renames a folder and the folders below it. Renaming INBOX moves its messages into a new
     * folder and leaves INBOX empty (RFC 3501 6.3.5).
     *
     * @throws FolderNotFoundException when {@code from} does not exist
     * @throws FolderExistsException when {@code to} does
     */
    void renameFolder(String accountId, String from, String to);

    void setSubscribed(String accountId, String name, boolean subscribed);

    /**
     * The folder's whole state, for SELECT: its counters and every message, ascending by UID.
     *
     * @throws FolderNotFoundException when there is no such folder
     */
    FolderView view(String accountId, String folder);

    /**
     * What changed since {@code sinceModseq}: the folder's counters, the messages whose MODSEQ is
     * higher (new ones and ones whose flags changed), and the UIDs of every message now in the
     * folder (a session's UID missing from them was expunged), or null when no message was
     * expunged since {@code sinceModseq} (the caller keeps the UIDs it has). Unlike {@link #view} and
     * {@link #folder}, it reads only those messages and the UIDs, and counts nothing: sessions
     * ask it after every change to a folder.
     *
     * @throws FolderNotFoundException when the folder is gone or has another UIDVALIDITY
     */
    FolderChanges changes(String accountId, String folder, long uidValidity, long sinceModseq);

    /**
     * Sets, adds or removes flags on the given messages (UIDs no longer there are ignored), each
     * changed message getting a new MODSEQ. With {@code unchangedSince > 0} (CONDSTORE), a
     * message whose MODSEQ is higher is left alone and reported as a conflict.
     */
    StoreResult storeFlags(String accountId, String folder, long uidValidity, Collection<Long> uids,
            FlagUpdate how, Set<String> flags, long unchangedSince);

    /**
     * Deletes for good (rows and bodies) the messages flagged {@code \Deleted} among {@code uids}
     * (null: all of the folder's).
     *
     * @return the UIDs expunged, ascending
     */
    List<Long> expunge(String accountId, String folder, long uidValidity, Collection<Long> uids);

    /**
     * Copies (or moves: copy and expunge in one transaction) messages into another folder of the
     * same account, where they get new UIDs in ascending order of the old ones, their flags and
     * INTERNALDATE kept. Bodies are shared, never copied; a body is deleted when its last message is.
     *
     * @throws FolderNotFoundException when either folder does not exist
     * @throws OverQuotaException when a copy would exceed the account's quota
     */
    CopyResult copy(String accountId, String from, long uidValidity, Collection<Long> uids, String to, boolean move);

    /**
     * Files a message a client uploaded. Reads {@code content} to its end and makes it durable
     * before the message exists.
     *
     * @param internalDate null: now
     * @throws FolderNotFoundException when the folder does not exist
     * @throws OverQuotaException when the account would exceed its quota
     */
    AppendResult append(String accountId, String folder, InputStream content, Set<String> flags, Instant internalDate)
            throws IOException;

    /**
     * One message's metadata (flags, size, INTERNALDATE), or empty when it is gone or the
     * folder's UIDVALIDITY is another. This default lists the folder; implementations answer
     * from the message alone.
     *
     * @since 0.7
     */
    default Optional<MessageInfo> message(String accountId, String folder, long uidValidity, long uid) {
        FolderView v;
        try {
            v = view(accountId, folder);
        } catch (FolderNotFoundException gone) {
            return Optional.empty();
        }
        if (v.folder().uidValidity() != uidValidity) {
            return Optional.empty();
        }
        return v.messages().stream().filter(m -> m.uid() == uid).findFirst();
    }

    /** A message's bytes as stored, or empty when it is no longer there. */
    Optional<InputStream> open(String accountId, String folder, long uidValidity, long uid) throws IOException;

    /**
     * The parsed structure of messages (what IMAP's ENVELOPE, BODYSTRUCTURE, BODY and
     * {@code BODY[section]} need), computed once when each was delivered or appended: by UID, in
     * the stored form of {@code org.postern.mime.MessageStructure#toBytes()} (bundle
     * postern-mime; its first octet is the format version, and
     * {@code MessageStructure.fromBytes} reads it). One query for the whole batch: ask for a
     * slice of a FETCH's messages at a time (a few hundred), not for one message per call.
     * <p>
     * A message filed before structures were kept (schema version 8) is parsed now, from its
     * body, and its structure written back, so this happens once per message. UIDs no longer in
     * the folder are absent from the result, and so is a message whose body cannot be read (the
     * caller may then try {@link #open} and parse, or answer as for an expunged message).
     *
     * An implementation that keeps no structures answers with an empty map (this default):
     * callers then parse what {@link #open} gives.
     *
     * @throws FolderNotFoundException when the folder is gone or has another UIDVALIDITY
     * @since 0.5
     */
    default Map<Long, byte[]> structures(String accountId, String folder, long uidValidity, Collection<Long> uids) {
        return Map.of();
    }

    /**
     * The server that handed a delivered message to this MX, as recorded at delivery (its address,
     * EHLO name and forward-confirmed reverse DNS name): what the webmail's Block menu offers to
     * block. Empty for a message that was not delivered by SMTP (appended, sent, moved in before
     * this was recorded) or that is gone.
     *
     * @since 0.7
     */
    default Optional<SendingServer> sendingServer(String accountId, String folder, long uidValidity, long uid) {
        return Optional.empty();
    }

    /** Storage used by the account (all folders) and its limit. */
    QuotaUsage quota(String accountId);

    // ---- values ----

    /** A folder's counters; {@code specialUse} null for none. */
    record FolderInfo(String name, String specialUse, boolean subscribed, long uidValidity, long uidNext,
            long highestModseq, long messages, long unseen, long size) {
    }

    /** One message's metadata; {@code size} is RFC822.SIZE. */
    record MessageInfo(long uid, long modseq, Set<String> flags, long size, Instant internalDate) {
        public MessageInfo {
            flags = Set.copyOf(flags);
        }
    }

    record FolderView(FolderInfo folder, List<MessageInfo> messages) {
        public FolderView {
            messages = List.copyOf(messages);
        }
    }

    /**
     * @param uidNext and {@code highestModseq}: at least as high as any message in {@code changed}
     *     needs (a change committed while the answer was read is covered, never skipped)
     * @param uids ascending; null when nothing was expunged since the MODSEQ asked about
     */
    record FolderChanges(String name, long uidValidity, long uidNext, long highestModseq, List<MessageInfo> changed,
            long[] uids) {
        public FolderChanges {
            changed = List.copyOf(changed);
        }
    }

    enum FlagUpdate {
        REPLACE, ADD, REMOVE
    }

    /** The messages changed (with their new flags and MODSEQ) and the UIDs left alone for CONDSTORE. */
    record StoreResult(List<MessageInfo> updated, List<Long> conflicts) {
        public StoreResult {
            updated = List.copyOf(updated);
            conflicts = List.copyOf(conflicts);
        }
    }

    /** For COPYUID (RFC 4315): the target's UIDVALIDITY and each source UID with its new UID. */
    record CopyResult(long targetUidValidity, List<Long> sourceUids, List<Long> targetUids) {
        public CopyResult {
            sourceUids = List.copyOf(sourceUids);
            targetUids = List.copyOf(targetUids);
        }
    }

    /** For APPENDUID (RFC 4315). */
    record AppendResult(long uidValidity, long uid) {
    }

    /** In octets; {@code limit} 0: no limit. */
    record QuotaUsage(long used, long limit) {
        public boolean over() {
            return limit > 0 && used >= limit;
        }
    }
}
