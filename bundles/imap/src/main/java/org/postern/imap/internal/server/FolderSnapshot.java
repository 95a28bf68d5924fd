package org.postern.imap.internal.server;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postern.api.mail.Mailboxes.FolderChanges;
import org.postern.api.mail.Mailboxes.FolderInfo;
import org.postern.api.mail.Mailboxes.FolderView;
import org.postern.api.mail.Mailboxes.MessageInfo;

/**
 * A folder's messages at one moment, ascending by UID, in flat arrays and immutable. Every session
 * that has caught up with the folder holds the same instance ({@link FolderIndexes}), so a
 * thousand clients idling in one 10,000-message INBOX cost one copy, not a thousand lists of
 * records. A message's flags are an index into a small table of the folder's distinct flag sets.
 * Deriving a snapshot whose messages stayed the same (only flags moved) shares the UID, size and
 * date arrays with its parent.
 */
final class FolderSnapshot {
    /** What a session needs of the folder itself. */
    record Counters(String name, long uidValidity, long uidNext, long highestModseq) {
    }

    final Counters folder;
    private final long[] uids;
    private final long[] sizes;
    private final long[] dates;
    private final long[] modseqs;
    private final int[] flagIndex;
    private final Set<String>[] flagSets;

    private FolderSnapshot(Counters folder, long[] uids, long[] sizes, long[] dates, long[] modseqs, int[] flagIndex,
            Set<String>[] flagSets) {
        this.folder = folder;
        this.uids = uids;
        this.sizes = sizes;
        this.dates = dates;
        this.modseqs = modseqs;
        this.flagIndex = flagIndex;
        this.flagSets = flagSets;
    }

    static FolderSnapshot of(FolderView view) {
        FolderInfo f = view.folder();
        return build(new Counters(f.name(), f.uidValidity(), f.uidNext(), f.highestModseq()), view.messages());
    }

    private static FolderSnapshot build(Counters folder, List<MessageInfo> messages) {
        int n = messages.size();
        long[] uids = new long[n];
        long[] sizes = new long[n];
        long[] dates = new long[n];
        long[] modseqs = new long[n];
        int[] flagIndex = new int[n];
        FlagTable table = new FlagTable(null);
        for (int i = 0; i < n; i++) {
            MessageInfo m = messages.get(i);
            uids[i] = m.uid();
            sizes[i] = m.size();
            dates[i] = m.internalDate().toEpochMilli();
            modseqs[i] = m.modseq();
            flagIndex[i] = table.indexOf(m.flags());
        }
        return new FolderSnapshot(folder, uids, sizes, dates, modseqs, flagIndex, table.toArray());
    }

    int size() {
        return uids.length;
    }

    /** 0-based, as every accessor here. */
    long uid(int i) {
        return uids[i];
    }

    long modseq(int i) {
        return modseqs[i];
    }

    Set<String> flags(int i) {
        return flagSets[flagIndex[i]];
    }

    /** Distinct flag sets in the table (tests). */
    int flagSetCount() {
        return flagSets.length;
    }

    MessageInfo info(int i) {
        return new MessageInfo(uids[i], modseqs[i], flagSets[flagIndex[i]], sizes[i], Instant.ofEpochMilli(dates[i]));
    }

    long lastUid() {
        return uids.length == 0 ? 0 : uids[uids.length - 1];
    }

    /** The index of a UID, or -1. */
    int indexOf(long uid) {
        int i = Arrays.binarySearch(uids, uid);
        return i >= 0 ? i : -1;
    }

    /** The index of the first UID at least {@code uid} ({@link #size()} when none is). */
    int firstIndexAtLeast(long uid) {
        int i = Arrays.binarySearch(uids, uid);
        return i >= 0 ? i : -i - 1;
    }

    /** The first message without \Seen, 0-based, or -1. */
    int firstUnseen() {
        for (int i = 0; i < uids.length; i++) {
            if (!flagSets[flagIndex[i]].contains("\\Seen")) {
                return i;
            }
        }
        return -1;
    }

    /**
     * This snapshot with the store's changes since it: messages the store no longer has are gone
     * when {@code expunges} (else kept, for a session that may not announce EXPUNGE now), changed
     * ones updated, new ones (UIDs above the last one here) appended.
     */
    FolderSnapshot with(FolderChanges changes, boolean expunges) {
        Map<Long, MessageInfo> changed = new HashMap<>();
        List<MessageInfo> fresh = new ArrayList<>();
        long last = lastUid();
        for (MessageInfo m : changes.changed()) {
            if (m.uid() > last) {
                fresh.add(m);
            } else {
                changed.put(m.uid(), m);
            }
        }
        fresh.sort((a, b) -> Long.compare(a.uid(), b.uid()));
        boolean removes = false;
        long[] present = changes.uids() == null ? null : changes.uids().clone();
        if (present != null) {
            Arrays.sort(present);
        }
        if (expunges && present != null) {
            for (long u : uids) {
                if (Arrays.binarySearch(present, u) < 0) {
                    removes = true;
                    break;
                }
            }
        }
        Counters folder = new Counters(changes.name(), changes.uidValidity(), changes.uidNext(),
                changes.highestModseq());
        if (!removes && fresh.isEmpty()) {
            if (changed.isEmpty()) {
                // Nothing here changed (an announcement for another folder): the same instance,
                // so that sessions holding it see at once that they have nothing to send.
                return folder.equals(this.folder) ? this
                        : new FolderSnapshot(folder, uids, sizes, dates, modseqs, flagIndex, flagSets);
            }
            return withFlags(folder, changed.values());
        }
        List<MessageInfo> all = new ArrayList<>(uids.length + fresh.size());
        for (int i = 0; i < uids.length; i++) {
            if (removes && Arrays.binarySearch(present, uids[i]) < 0) {
                continue;
            }
            MessageInfo m = changed.get(uids[i]);
            all.add(m != null ? m : info(i));
        }
        all.addAll(fresh);
        return build(folder, all);
    }

    /** This snapshot with new flags and MODSEQs for some of its messages (the session's own STORE). */
    FolderSnapshot withFlags(Collection<MessageInfo> updated) {
        return withFlags(folder, updated);
    }

    private FolderSnapshot withFlags(Counters folder, Collection<MessageInfo> updated) {
        long[] m = modseqs.clone();
        int[] f = flagIndex.clone();
        FlagTable table = new FlagTable(flagSets);
        boolean any = false;
        for (MessageInfo u : updated) {
            int i = indexOf(u.uid());
            if (i >= 0) {
                m[i] = u.modseq();
                f[i] = table.indexOf(u.flags());
                any = true;
            }
        }
        if (!any) {
            return new FolderSnapshot(folder, uids, sizes, dates, modseqs, flagIndex, flagSets);
        }
        FolderSnapshot s = new FolderSnapshot(folder, uids, sizes, dates, m, f, table.toArray());
        // Sets no message uses any more stay in the table until a rebuild: keep them few.
        return table.size() > MAX_UNUSED_FLAG_SETS && table.size() - used(f) > MAX_UNUSED_FLAG_SETS ? s.rebuilt() : s;
    }

    private static int used(int[] flagIndex) {
        BitSet seen = new BitSet();
        for (int i : flagIndex) {
            seen.set(i);
        }
        return seen.cardinality();
    }

    private static final int MAX_UNUSED_FLAG_SETS = 256;

    private FolderSnapshot rebuilt() {
        List<MessageInfo> all = new ArrayList<>(uids.length);
        for (int i = 0; i < uids.length; i++) {
            all.add(info(i));
        }
        return build(folder, all);
    }

    /** This snapshot without the messages at some indexes (the session's own EXPUNGE or MOVE). */
    FolderSnapshot without(BitSet gone) {
        int n = uids.length - gone.cardinality();
        long[] u = new long[n];
        long[] s = new long[n];
        long[] d = new long[n];
        long[] m = new long[n];
        int[] f = new int[n];
        int k = 0;
        for (int i = 0; i < uids.length; i++) {
            if (!gone.get(i)) {
                u[k] = uids[i];
                s[k] = sizes[i];
                d[k] = dates[i];
                m[k] = modseqs[i];
                f[k] = flagIndex[i];
                k++;
            }
        }
        return new FolderSnapshot(folder, u, s, d, m, f, flagSets);
    }

    /** The distinct flag sets of a folder, each stored once. */
    private static final class FlagTable {
        private final List<Set<String>> sets = new ArrayList<>();
        private final Map<Set<String>, Integer> index = new HashMap<>();

        FlagTable(Set<String>[] existing) {
            if (existing != null) {
                for (Set<String> s : existing) {
                    indexOf(s);
                }
            }
        }

        int indexOf(Set<String> flags) {
            Integer i = index.get(flags);
            if (i == null) {
                i = sets.size();
                Set<String> copy = Set.copyOf(flags);
                sets.add(copy);
                index.put(copy, i);
            }
            return i;
        }

        int size() {
            return sets.size();
        }

        @SuppressWarnings("unchecked")
        Set<String>[] toArray() {
            return sets.toArray(new Set[0]);
        }
    }
}
