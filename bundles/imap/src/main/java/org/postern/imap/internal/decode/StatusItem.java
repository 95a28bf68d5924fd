package org.postern.imap.internal.decode;

/** STATUS data items (RFC 3501 6.3.10, RFC 7162 HIGHESTMODSEQ, RFC 8438 SIZE). */
public enum StatusItem {
    MESSAGES, RECENT, UIDNEXT, UIDVALIDITY, UNSEEN, HIGHESTMODSEQ, SIZE;

    static StatusItem named(String upper) {
        for (StatusItem s : values()) {
            if (s.name().equals(upper)) {
                return s;
            }
        }
        return null;
    }
}
