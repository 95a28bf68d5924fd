package org.postern.imap.internal.server;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.postern.api.mail.Mailboxes;
import org.postern.api.mail.Mailboxes.FolderChanges;
import org.postern.api.mail.FolderNotFoundException;

/**
 * The newest known {@link FolderSnapshot} of each folder some session has selected, shared by all
 * of them. When the store announces a change to an account, its folders here become stale; the
 * first session that needs one then asks the store what changed since (one query), and every other
 * session of that folder takes the result. Without a change there is no query at all: SELECT of a
 * folder another session holds is free, and a delivery that wakes a thousand IDLE sessions of one
 * INBOX costs one read, not a thousand.
 *
 * <p>A snapshot is held weakly: once no session has the folder selected, the garbage collector
 * may take it, and the next SELECT reads the folder again. Announcements from the store arrive
 * after the commit, synchronously on this node (so a session's own change is seen by its next
 * command) and through PostgreSQL's NOTIFY from other nodes (moments later, as with IDLE).
 */
final class FolderIndexes {
    /** Entries whose snapshot the collector took are swept every this many lookups. */
    private static final int SWEEP_EVERY = 1024;

    private final Map<String, Map<String, Entry>> byAccount = new ConcurrentHashMap<>();
    private final AtomicLong lookups = new AtomicLong();

    private static final class Entry {
        /** Raised by every announcement for the account; the snapshot is current up to {@link #verified}. */
        final AtomicLong generation = new AtomicLong();
        long verified = -1;
        WeakReference<FolderSnapshot> snapshot = new WeakReference<>(null);
    }

    /** The store changed something of this account: its folders must be checked again. */
    void changed(String accountId) {
        Map<String, Entry> folders = byAccount.get(accountId);
        if (folders != null) {
            for (Entry e : folders.values()) {
                e.generation.incrementAndGet();
            }
        }
    }

    /** Announcements may have been lost (the store's notification connection was re-established). */
    void changedAll() {
        for (Map<String, Entry> folders : byAccount.values()) {
            for (Entry e : folders.values()) {
                e.generation.incrementAndGet();
            }
        }
    }

    /**
     * The folder as the store has it now (or as of the last announcement). Sessions of one folder
     * wait for each other here while one of them reads the store: they would all read the same.
     *
     * @throws FolderNotFoundException when the folder does not exist
     */
    FolderSnapshot current(Mailboxes mailboxes, String accountId, String name) {
        if (lookups.incrementAndGet() % SWEEP_EVERY == 0) {
            sweep();
        }
        Entry e = byAccount.computeIfAbsent(accountId, k -> new ConcurrentHashMap<>()).computeIfAbsent(key(name),
                k -> new Entry());
        synchronized (e) {
            long generation = e.generation.get();
            FolderSnapshot known = e.snapshot.get();
            if (known != null && e.verified == generation) {
                return known;
            }
            FolderSnapshot now;
            if (known == null) {
                now = FolderSnapshot.of(mailboxes.view(accountId, name));
            } else {
                FolderChanges changes = null;
                try {
                    changes = mailboxes.changes(accountId, name, known.folder.uidValidity(), known.folder.highestModseq());
                } catch (FolderNotFoundException gone) {
                    // Deleted, or deleted and made again with a new UIDVALIDITY: read it afresh.
                    e.snapshot = new WeakReference<>(null);
                }
                now = changes != null ? known.with(changes, true) : FolderSnapshot.of(mailboxes.view(accountId, name));
            }
            e.snapshot = new WeakReference<>(now);
            e.verified = generation;
            return now;
        }
    }

    /**
     * One entry per folder however a client spells INBOX (case-insensitive, RFC 3501 5.1): two
     * entries for one folder could hand a session an older snapshot than the one it has.
     */
    static String key(String name) {
        return Mailboxes.canonicalName(name);
    }

    private void sweep() {
        byAccount.forEach((account, folders) -> {
            folders.entrySet().removeIf(x -> x.getValue().snapshot.get() == null);
            if (folders.isEmpty()) {
                byAccount.remove(account, folders);
            }
        });
    }

    /** Folders known (tests). */
    int size() {
        return byAccount.values().stream().mapToInt(Map::size).sum();
    }
}
