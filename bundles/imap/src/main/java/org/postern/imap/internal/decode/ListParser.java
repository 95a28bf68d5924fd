package org.postern.imap.internal.decode;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.postern.imap.internal.decode.ImapRequest.ListReturn;
import org.postern.imap.internal.decode.ImapRequest.ListSelect;

/**
 * LIST, basic (RFC 3501) and extended (RFC 5258 selection and return options, RFC 6154
 * SPECIAL-USE, RFC 5819 RETURN (STATUS (...))), and LSUB.
 */
final class ListParser {
    /** Patterns in one extended LIST. */
    static final int MAX_PATTERNS = 64;

    private ListParser() {
    }

    static ImapRequest list(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        boolean extended = false;
        Set<ListSelect> selection = EnumSet.noneOf(ListSelect.class);
        if (in.tryChar('(')) {
            extended = true;
            if (!in.tryChar(')')) {
                do {
                    selection.add(switch (in.word()) {
                        case "SUBSCRIBED" -> ListSelect.SUBSCRIBED;
                        case "REMOTE" -> ListSelect.REMOTE;
                        case "RECURSIVEMATCH" -> ListSelect.RECURSIVEMATCH;
                        case "SPECIAL-USE" -> ListSelect.SPECIAL_USE;
                        default -> throw in.error("Unknown LIST selection option");
                    });
                } while (in.trySp());
                in.expect(')');
            }
            if (selection.contains(ListSelect.RECURSIVEMATCH)
                    && !(selection.contains(ListSelect.SUBSCRIBED) || selection.contains(ListSelect.SPECIAL_USE))) {
                throw in.error("RECURSIVEMATCH needs another selection option");
            }
            in.sp();
        }
        String reference = in.mailbox();
        in.sp();
        List<String> patterns = new ArrayList<>();
        if (in.tryChar('(')) {
            extended = true;
            do {
                if (patterns.size() == MAX_PATTERNS) {
                    throw in.error("Too many LIST patterns");
                }
                patterns.add(in.listMailbox());
            } while (in.trySp());
            in.expect(')');
        } else {
            patterns.add(in.listMailbox());
        }
        Set<ListReturn> returns = EnumSet.noneOf(ListReturn.class);
        List<StatusItem> status = List.of();
        if (in.trySp()) {
            if (!in.word().equals("RETURN")) {
                throw in.error("Expected RETURN");
            }
            extended = true;
            in.sp();
            in.expect('(');
            if (!in.tryChar(')')) {
                do {
                    ListReturn r = switch (in.word()) {
                        case "SUBSCRIBED" -> ListReturn.SUBSCRIBED;
                        case "CHILDREN" -> ListReturn.CHILDREN;
                        case "SPECIAL-USE" -> ListReturn.SPECIAL_USE;
                        case "STATUS" -> ListReturn.STATUS;
                        default -> throw in.error("Unknown LIST return option");
                    };
                    if (r == ListReturn.STATUS) {
                        if (returns.contains(ListReturn.STATUS)) {
                            throw in.error("STATUS given twice");
                        }
                        in.sp();
                        status = StatusParser.items(in);
                    }
                    returns.add(r);
                } while (in.trySp());
                in.expect(')');
            }
        }
        return new ImapRequest.ListMailboxes(tag, selection, reference, patterns, returns, status, extended);
    }

    static ImapRequest lsub(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        String reference = in.mailbox();
        in.sp();
        return new ImapRequest.Lsub(tag, reference, in.listMailbox());
    }
}
