package org.postern.imap.internal.server;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.postern.api.mail.Mailboxes.FolderChanges;
import org.postern.api.mail.Mailboxes.FolderView;
import org.postern.api.mail.Mailboxes.MessageInfo;
import org.postern.imap.internal.decode.SequenceSet;

/**
 * The selected folder as this session knows it: messages by sequence number (ascending UIDs),
 * their flags and MODSEQs, and what the session has told the client. Other sessions' changes
 * reach it through {@link #apply}, which yields the untagged responses to send.
 */
final class SelectedFolder {
    final String name;
    final long uidValidity;
    final boolean readOnly;
    private final ArrayList<MessageInfo> messages;
    long uidNext;
    long highestModseq;
    /**
     * What the session has asked the store about: changes after it are still to be heard.
     * Only {@link #apply} advances it; the session's own STORE raises {@link #highestModseq}
     * but must not hide a delivery or another session's change made just before it.
     */
    long syncedModseq;

    SelectedFolder(FolderView view, boolean readOnly) {
        this.name = view.folder().name();
        this.uidValidity = view.folder().uidValidity();
        this.readOnly = readOnly;
        this.messages = new ArrayList<>(view.messages());
        this.uidNext = view.folder().uidNext();
        this.highestModseq = view.folder().highestModseq();
        this.syncedModseq = highestModseq;
    }

    int size() {
        return messages.size();
    }

    /** 1-based. */
    MessageInfo bySeq(int seq) {
        return messages.get(seq - 1);
    }

    /** The sequence number of a UID, or -1. */
    int seqOf(long uid) {
        int lo = 0;
        int hi = messages.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long u = messages.get(mid).uid();
            if (u < uid) {
                lo = mid + 1;
            } else if (u > uid) {
                hi = mid - 1;
            } else {
                return mid + 1;
            }
        }
        return -1;
    }

    private int firstIndexAtLeast(long uid) {
        int lo = 0;
        int hi = messages.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (messages.get(mid).uid() < uid) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    long lastUid() {
        return messages.isEmpty() ? 0 : messages.get(messages.size() - 1).uid();
    }

    /**
     * The sequence numbers a set names, ascending, each once. Message numbers beyond the folder
     * are {@code null} (RFC 3501: BAD); UIDs that are not there are simply not named.
     */
    int[] resolve(SequenceSet set, boolean uid) {
        BitSet hit = new BitSet(messages.size() + 1);
        int n = messages.size();
        for (SequenceSet.Range r : set.ranges()) {
            if (uid) {
                // "*" is the largest UID in use; with an empty folder, nothing matches.
                long star = n == 0 ? 0 : lastUid();
                long lo = r.low(star);
                long hi = r.high(star);
                if (n == 0) {
                    continue;
                }
                for (int i = firstIndexAtLeast(lo); i < n && messages.get(i).uid() <= hi; i++) {
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

    void update(MessageInfo changed) {
        int seq = seqOf(changed.uid());
        if (seq > 0) {
            messages.set(seq - 1, changed);
        }
        highestModseq = Math.max(highestModseq, changed.modseq());
    }

    /** Removes an expunged UID; returns its sequence number before removal, or -1. */
    int remove(long uid) {
        int seq = seqOf(uid);
        if (seq > 0) {
            messages.remove(seq - 1);
        }
        return seq;
    }

    /**
     * Takes in what other sessions and deliveries did. Untagged responses, in the order they
     * must go out: EXPUNGE (highest first, so each number is right when read), then FETCH for
     * changed flags, then EXISTS for new messages.
     */
    List<String> apply(FolderChanges changes, boolean expungesAllowed, boolean condstore) {
        List<String> out = new ArrayList<>();
        if (expungesAllowed) {
            Set<Long> present = new HashSet<>(changes.uids().length * 2);
            for (long u : changes.uids()) {
                present.add(u);
            }
            for (int i = messages.size() - 1; i >= 0; i--) {
                if (!present.contains(messages.get(i).uid())) {
                    messages.remove(i);
                    out.add("* " + (i + 1) + " EXPUNGE");
                }
            }
        }
        long last = lastUid();
        List<MessageInfo> fresh = new ArrayList<>();
        for (MessageInfo m : changes.changed()) {
            int seq = seqOf(m.uid());
            if (seq > 0) {
                MessageInfo old = messages.get(seq - 1);
                messages.set(seq - 1, m);
                if (!old.flags().equals(m.flags()) || condstore && old.modseq() != m.modseq()) {
                    out.add("* " + seq + " FETCH (UID " + m.uid() + " FLAGS " + Responses.flags(m.flags())
                            + (condstore ? " MODSEQ (" + m.modseq() + ")" : "") + ")");
                }
            } else if (m.uid() > last) {
                fresh.add(m);
            }
        }
        fresh.sort((a, b) -> Long.compare(a.uid(), b.uid()));
        messages.addAll(fresh);
        if (!fresh.isEmpty()) {
            out.add("* " + messages.size() + " EXISTS");
        }
        uidNext = Math.max(uidNext, changes.folder().uidNext());
        if (expungesAllowed) {
            highestModseq = Math.max(highestModseq, changes.folder().highestModseq());
            syncedModseq = changes.folder().highestModseq();
        }
        return out;
    }

    long unseenFirst() {
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).flags().contains("\\Seen")) {
                return i + 1;
            }
        }
        return 0;
    }
}
