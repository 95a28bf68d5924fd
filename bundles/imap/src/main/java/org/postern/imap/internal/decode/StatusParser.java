package org.postern.imap.internal.decode;

import java.util.ArrayList;
import java.util.List;

/** STATUS mailbox SP "(" status-att *(SP status-att) ")". */
final class StatusParser {
    private StatusParser() {
    }

    static ImapRequest parse(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        String mailbox = in.mailbox();
        in.sp();
        return new ImapRequest.Status(tag, mailbox, items(in));
    }

    /** "(" status-att *(SP status-att) ")", duplicates dropped. Also used by LIST RETURN (STATUS ...). */
    static List<StatusItem> items(ImapReader in) throws ImapDecodeException {
        in.expect('(');
        List<StatusItem> items = new ArrayList<>();
        do {
            StatusItem s = StatusItem.named(in.word());
            if (s == null) {
                throw in.error("Unknown status item");
            }
            if (!items.contains(s)) {
                items.add(s);
            }
        } while (in.trySp());
        in.expect(')');
        return items;
    }
}
