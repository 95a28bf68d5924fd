package org.postern.imap.internal.server;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.postern.api.mail.Mailboxes.FolderChanges;
import org.postern.api.mail.FolderNotFoundException;
import org.postern.api.mail.Mailboxes.MessageInfo;
import org.postern.imap.internal.decode.SequenceSet;

/**
 * The selected folder as this session knows it: messages by sequence number (ascending UIDs),
 * their flags and MODSEQs, and what the session has told the client. The messages are a
 * {@link FolderSnapshot}, most of the time the very one every other session of the folder holds;
 * the session's own STORE, EXPUNGE and MOVE derive a private one until the next resync. Other
 * sessions' changes reach it through {@link #apply}, which yields the untagged responses to send.
 */
final class SelectedFolder {
    final String name;
    final long uidValidity;
    final boolean readOnly;
    private FolderSnapshot messages;
    long uidNext;
    long highestModseq;

    SelectedFolder(FolderSnapshot snapshot, boolean readOnly) {
        this.name = snapshot.folder.name();
        this.uidValidity = snapshot.folder.uidValidity();
        this.readOnly = readOnly;
        this.messages = snapshot;
        this.uidNext = snapshot.folder.uidNext();
        this.highestModseq = snapshot.folder.highestModseq();
    }

    int size() {
        return messages.size();
    }

    /** 1-based. */
    MessageInfo bySeq(int seq) {
        return messages.info(seq - 1);
    }

    /** 1-based. */
    long uidBySeq(int seq) {
        return messages.uid(seq - 1);
    }

    /** The sequence number of a UID, or -1. */
    int seqOf(long uid) {
        int i = messages.indexOf(uid);
        return i < 0 ? -1 : i + 1;
    }

    long lastUid() {
        return messages.lastUid();
    }

    /** The snapshot this session is on (tests: sessions of one folder share it). */
    FolderSnapshot snapshot() {
        return messages;
    }

    /**
     * The sequence numbers a set names, ascending, each once. Message numbers beyond the folder
     * are {@code null} (RFC 3501: BAD); UIDs that are not there are simply not named.
     */
    int[] resolve(SequenceSet set, boolean uid) {
        int n = messages.size();
        BitSet hit = new BitSet(n + 1);
        for (SequenceSet.Range r : set.ranges()) {
            if (uid) {
                if (n == 0) {
                    continue;
                }
                // "*" is the largest UID in use.
                long star = lastUid();
                long lo = r.low(star);
                long hi = r.high(star);
                for (int i = messages.firstIndexAtLeast(lo); i < n && messages.uid(i) <= hi; i++) {
                    hit.set(i + 1);
                }
            } else {
                long lo = r.low(n);
                long hi = r.high(n);
                if (lo < 1 || hi > n) {
                    return null;
                }
                hit.set((int) lo, (int) hi + 1);
            }
        }
        return hit.stream().toArray();
    }

    /** The session's own STORE. */
    void update(List<MessageInfo> changed) {
        if (changed.isEmpty()) {
            return;
        }
        messages = messages.withFlags(changed);
        for (MessageInfo m : changed) {
            highestModseq = Math.max(highestModseq, m.modseq());
        }
    }

    /**
     * Removes expunged UIDs; returns the sequence numbers of those that were here, highest first,
     * each as it was before removal (and so right when EXPUNGE responses go out in that order).
     */
    int[] removeAll(java.util.Collection<Long> uids) {
        BitSet gone = new BitSet(messages.size());
        for (long uid : uids) {
            int i = messages.indexOf(uid);
            if (i >= 0) {
                gone.set(i);
            }
        }
        if (gone.isEmpty()) {
            return new int[0];
        }
        int[] out = new int[gone.cardinality()];
        int k = 0;
        for (int i = gone.length() - 1; i >= 0; i = gone.previousSetBit(i - 1)) {
            out[k++] = i + 1;
        }
        messages = messages.without(gone);
        return out;
    }

    /**
     * Moves to the folder as it is now. Untagged responses, in the order they must go out:
     * EXPUNGE (highest first, so each number is right when read), then FETCH for changed flags,
     * then EXISTS for new messages. When EXPUNGE may not be sent now, messages gone stay (a private
     * snapshot) until a later call may announce them.
     */
    List<String> apply(FolderSnapshot now, boolean expungesAllowed, boolean condstore) {
        List<String> out = new ArrayList<>();
        if (now == messages) {
            return out;
        }
        if (now.folder.uidValidity() != uidValidity) {
            // Deleted and made again under the same name: the folder this session selected is gone.
            throw new FolderNotFoundException(name);
        }
        if (now.folder.highestModseq() < highestModseq) {
            // Older than what this session has seen itself (another node's change not yet
            // announced here, say): wait for the announcement.
            return out;
        }
        FolderSnapshot was = messages;
        FolderSnapshot next;
        if (expungesAllowed) {
            // Both ascending by UID: one merge walk finds what is gone (highest first).
            int j = now.size() - 1;
            for (int i = was.size() - 1; i >= 0; i--) {
                long u = was.uid(i);
                while (j >= 0 && now.uid(j) > u) {
                    j--;
                }
                if (j < 0 || now.uid(j) != u) {
                    out.add("* " + (i + 1) + " EXPUNGE");
                }
            }
            next = now;
        } else {
            next = mergeKeepingExpunged(was, now);
        }
        int known = 0;
        long last = was.lastUid();
        int j = 0;
        for (int i = 0; i < next.size() && next.uid(i) <= last; i++) {
            known++;
            long u = next.uid(i);
            while (j < was.size() && was.uid(j) < u) {
                j++;
            }
            if (j >= was.size() || was.uid(j) != u || was.modseq(j) == next.modseq(i)) {
                continue;
            }
            if (!was.flags(j).equals(next.flags(i)) || condstore) {
                out.add("* " + (i + 1) + " FETCH (UID " + u + " FLAGS " + Responses.flags(next.flags(i))
                        + (condstore ? " MODSEQ (" + next.modseq(i) + ")" : "") + ")");
            }
        }
        if (next.size() > known) {
            out.add("* " + next.size() + " EXISTS");
        }
        messages = next;
        uidNext = Math.max(uidNext, now.folder.uidNext());
        if (expungesAllowed) {
            highestModseq = Math.max(highestModseq, now.folder.highestModseq());
        }
        return out;
    }

    /** {@code now}'s flags and new messages over {@code was}'s messages, expunged ones kept. */
    private static FolderSnapshot mergeKeepingExpunged(FolderSnapshot was, FolderSnapshot now) {
        List<MessageInfo> changed = new ArrayList<>();
        long last = was.lastUid();
        int i = 0;
        int j = 0;
        for (; i < now.size() && now.uid(i) <= last; i++) {
            while (j < was.size() && was.uid(j) < now.uid(i)) {
                j++;
            }
            if (j < was.size() && was.uid(j) == now.uid(i) && was.modseq(j) != now.modseq(i)) {
                changed.add(now.info(i));
            }
        }
        List<MessageInfo> fresh = new ArrayList<>();
        for (; i < now.size(); i++) {
            fresh.add(now.info(i));
        }
        long[] keep = new long[was.size() + fresh.size()];
        for (int k = 0; k < was.size(); k++) {
            keep[k] = was.uid(k);
        }
        for (int k = 0; k < fresh.size(); k++) {
            keep[was.size() + k] = fresh.get(k).uid();
        }
        List<MessageInfo> all = new ArrayList<>(changed);
        all.addAll(fresh);
        return was.with(new FolderChanges(now.folder.name(), now.folder.uidValidity(), now.folder.uidNext(),
                now.folder.highestModseq(), all, keep), false);
    }

    long unseenFirst() {
        return messages.firstUnseen() + 1;
    }
}
