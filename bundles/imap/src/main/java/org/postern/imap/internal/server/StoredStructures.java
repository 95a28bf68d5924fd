package org.postern.imap.internal.server;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.postern.api.mail.Mailboxes;
import org.postern.api.mail.Mailboxes.MessageInfo;
import org.postern.mime.MessageStructure;

/** The structures the mail store kept for messages when they were filed, read for FETCH and SEARCH. */
final class StoredStructures {
    private StoredStructures() {
    }

    /**
     * The stored structures of these messages, one query. One that is missing or unreadable (a
     * format this node does not know, a damaged row) is left out: the caller parses the message
     * when it needs it. A failing query (the folder went away) leaves them all to that.
     */
    static Map<Long, MessageStructure> load(Mailboxes mailboxes, String accountId, SelectedFolder folder,
            List<MessageInfo> messages) {
        Map<Long, byte[]> raw;
        try {
            raw = mailboxes.structures(accountId, folder.name, folder.uidValidity,
                    messages.stream().map(MessageInfo::uid).toList());
        } catch (RuntimeException e) {
            return Map.of();
        }
        Map<Long, MessageStructure> out = new HashMap<>();
        raw.forEach((uid, bytes) -> {
            try {
                out.put(uid, MessageStructure.fromBytes(bytes));
            } catch (IllegalArgumentException unreadable) {
                // parsed from the body instead
            }
        });
        return out;
    }
}
