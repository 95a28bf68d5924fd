package org.postern.pop3.internal;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.postern.api.mail.FolderSnapshot;
import org.postern.api.mail.StoredMessage;

/**
 * The maildrop of one POP3 session: the INBOX as it was at login (RFC 1939: message numbers
 * stay fixed for the session), and which of its messages DELE marked. Nothing here touches the
 * store; QUIT hands {@link #markedUids()} to it.
 */
final class Maildrop {
    private final FolderSnapshot snapshot;
    private final List<StoredMessage> messages;
    private final BitSet deleted = new BitSet();

    Maildrop(FolderSnapshot snapshot) {
        this.snapshot = snapshot;
        this.messages = snapshot.messages();
    }

    long uidValidity() {
        return snapshot.uidValidity();
    }

    /** Message numbers run from 1 to this, deleted ones included. */
    int size() {
        return messages.size();
    }

    /** The message numbered {@code n}, or null when there is none or it is marked deleted. */
    StoredMessage get(int n) {
        return n < 1 || n > messages.size() || deleted.get(n - 1) ? null : messages.get(n - 1);
    }

    boolean exists(int n) {
        return n >= 1 && n <= messages.size();
    }

    boolean isDeleted(int n) {
        return exists(n) && deleted.get(n - 1);
    }

    void delete(int n) {
        deleted.set(n - 1);
    }

    void reset() {
        deleted.clear();
    }

    /** Messages not marked deleted. */
    int count() {
        return messages.size() - deleted.cardinality();
    }

    /** Octets of the messages not marked deleted. */
    long octets() {
        long sum = 0;
        for (int i = 0; i < messages.size(); i++) {
            if (!deleted.get(i)) {
                sum += messages.get(i).size();
            }
        }
        return sum;
    }

    /** A message's unique-id (RFC 1939 UIDL): UIDVALIDITY-UID, stable across sessions, at most 41 characters. */
    String uniqueId(int n) {
        return snapshot.uidValidity() + "-" + messages.get(n - 1).uid();
    }

    List<Long> markedUids() {
        List<Long> out = new ArrayList<>();
        for (int i = deleted.nextSetBit(0); i >= 0; i = deleted.nextSetBit(i + 1)) {
            out.add(messages.get(i).uid());
        }
        return out;
    }
}
