package org.postern.imap.internal.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.postern.api.mail.FolderNotFoundException;
import org.postern.api.mail.Mailboxes.FolderChanges;
import org.postern.api.mail.Mailboxes.FolderInfo;
import org.postern.api.mail.Mailboxes.FolderView;
import org.postern.api.mail.Mailboxes.MessageInfo;

/** A session's view of its folder over shared snapshots: the untagged responses it owes the client. */
class SelectedFolderTest {
    private static final Instant T = Instant.parse("2026-12-02T10:00:00Z");

    private static MessageInfo msg(long uid, long modseq, String... flags) {
        return new MessageInfo(uid, modseq, Set.of(flags), 100 + uid, T.plusSeconds(uid));
    }

    private static FolderInfo info(long uidValidity, long uidNext, long modseq) {
        return new FolderInfo("INBOX", null, true, uidValidity, uidNext, modseq, 0, 0, 0);
    }

    private static FolderSnapshot snapshot(long modseq, MessageInfo... messages) {
        long next = messages.length == 0 ? 1 : messages[messages.length - 1].uid() + 1;
        return FolderSnapshot.of(new FolderView(info(7, next, modseq), List.of(messages)));
    }

    private static FolderChanges changes(long modseq, long uidNext, List<MessageInfo> changed, long... uids) {
        return new FolderChanges("INBOX", 7, uidNext, modseq, changed, uids);
    }

    @Test
    void expungesGoOutHighestFirstThenFlagsInTheNewNumberingThenExists() {
        FolderSnapshot was = snapshot(10, msg(1, 2), msg(2, 3), msg(3, 4), msg(4, 5));
        SelectedFolder f = new SelectedFolder(was, false);
        FolderSnapshot now = was.with(changes(14, 7, List.of(msg(3, 12, "\\Seen"), msg(5, 13), msg(6, 14)), 1, 3, 5, 6),
                true);
        List<String> out = f.apply(now, true, false);
        assertEquals(List.of("* 4 EXPUNGE", "* 2 EXPUNGE", "* 2 FETCH (UID 3 FLAGS (\\Seen))", "* 4 EXISTS"), out);
        assertSame(now, f.snapshot(), "a session that caught up holds the shared snapshot itself");
        assertEquals(3, f.seqOf(5));
        assertEquals(14, f.highestModseq);
        assertEquals(7, f.uidNext);
    }

    @Test
    void whileExpungeMayNotBeSentTheGoneMessagesKeepTheirNumbersUntilLater() {
        FolderSnapshot was = snapshot(10, msg(1, 2), msg(2, 3), msg(3, 4));
        SelectedFolder f = new SelectedFolder(was, false);
        FolderSnapshot now = was.with(changes(13, 5, List.of(msg(3, 12, "\\Flagged"), msg(4, 13)), 1, 3, 4), true);
        assertEquals(List.of("* 3 FETCH (UID 3 FLAGS (\\Flagged))", "* 4 EXISTS"), f.apply(now, false, false));
        assertEquals(4, f.size(), "message 2 still numbered");
        assertEquals(2, f.seqOf(2));
        assertEquals(List.of("* 2 EXPUNGE"), f.apply(now, true, false));
        assertEquals(3, f.size());
        assertSame(now, f.snapshot());
    }

    @Test
    void theSessionsOwnStoreAndExpungeAreNotReportedTwice() {
        FolderSnapshot was = snapshot(10, msg(1, 2), msg(2, 3), msg(3, 4));
        SelectedFolder f = new SelectedFolder(was, false);
        f.update(List.of(msg(2, 11, "\\Deleted")));
        assertEquals(Set.of("\\Deleted"), f.bySeq(2).flags());
        assertEquals(Set.of(), was.flags(1), "the shared snapshot is not touched");
        assertArrayEquals(new int[] {2}, f.removeAll(List.of(2L, 99L)));
        assertEquals(2, f.size());
        FolderSnapshot now = was.with(changes(12, 4, List.of(), 1, 3), true);
        assertEquals(List.of(), f.apply(now, true, false));
        assertSame(now, f.snapshot());
    }

    @Test
    void condstoreSessionsHearModseqChangesEvenWithTheSameFlags() {
        FolderSnapshot was = snapshot(10, msg(1, 2, "\\Seen"));
        SelectedFolder f = new SelectedFolder(was, false);
        FolderSnapshot now = was.with(changes(11, 2, List.of(msg(1, 11, "\\Seen")), 1), true);
        assertEquals(List.of("* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (11))"), f.apply(now, true, true));
    }

    @Test
    void aSnapshotOlderThanWhatTheSessionHasSeenIsIgnoredAndANewUidValidityEndsTheSelection() {
        FolderSnapshot was = snapshot(10, msg(1, 2));
        SelectedFolder f = new SelectedFolder(was, false);
        f.update(List.of(msg(1, 12, "\\Seen")));
        FolderSnapshot stale = was.with(changes(11, 3, List.of(msg(2, 11)), 1, 2), true);
        assertEquals(List.of(), f.apply(stale, true, false));
        assertEquals(1, f.size());
        FolderSnapshot recreated = FolderSnapshot.of(new FolderView(info(8, 2, 1), List.of(msg(1, 1))));
        assertThrows(FolderNotFoundException.class, () -> f.apply(recreated, true, false));
    }

    @Test
    void anAnnouncementThatChangedNothingHereKeepsTheSameSnapshotAndCostsSessionsNothing() {
        FolderSnapshot was = snapshot(10, msg(1, 2), msg(2, 10));
        assertSame(was, was.with(changes(10, 3, List.of(), null), true));
        SelectedFolder f = new SelectedFolder(was, false);
        assertEquals(List.of(), f.apply(was.with(changes(10, 3, List.of(), null), true), true, false));
        assertEquals(List.of("* 2 EXPUNGE"), f.apply(was.with(changes(11, 3, List.of(), 1), true), true, false),
                "a UID list, when given, still counts");
    }

    @Test
    void everySpellingOfInboxIsOneFolderInTheIndex() {
        assertEquals("INBOX", FolderIndexes.key("inbox"));
        assertEquals("INBOX/Receipts", FolderIndexes.key("Inbox/Receipts"));
        assertEquals("Inboxes", FolderIndexes.key("Inboxes"));
        assertEquals("Work/inbox", FolderIndexes.key("Work/inbox"));
    }

    @Test
    void manyDistinctKeywordSetsDoNotAccumulateInTheSharedTable() {
        List<MessageInfo> ms = new ArrayList<>();
        for (long u = 1; u <= 10; u++) {
            ms.add(msg(u, u));
        }
        FolderSnapshot s = snapshot(10, ms.toArray(new MessageInfo[0]));
        for (int i = 0; i < 2000; i++) {
            s = s.withFlags(List.of(msg(1 + i % 10, 11 + i, "k" + i)));
        }
        for (int i = 0; i < 10; i++) {
            assertEquals(Set.of("k" + (1990 + i)), s.flags(i));
        }
        assertEquals(true, s.flagSetCount() <= 300, "table size " + s.flagSetCount());
    }
}
