package org.postern.imap.internal.decode;

import java.util.ArrayList;
import java.util.List;
import org.postern.imap.internal.decode.ImapRequest.StoreMode;

/**
 * [UID] STORE sequence-set [SP "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"] SP
 * (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag))).
 */
final class StoreParser {
    private StoreParser() {
    }

    static ImapRequest parse(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        SequenceSet set = in.sequenceSet(ImapRequestParser.MAX_RANGES);
        in.sp();
        Long unchangedSince = null;
        if (in.tryChar('(')) {
            do {
                if (!in.word().equals("UNCHANGEDSINCE") || unchangedSince != null) {
                    throw in.error("Unknown STORE modifier");
                }
                in.sp();
                unchangedSince = in.number64();
            } while (in.trySp());
            in.expect(')');
            in.sp();
        }
        StoreMode mode = in.tryChar('+') ? StoreMode.ADD : in.tryChar('-') ? StoreMode.REMOVE : StoreMode.REPLACE;
        String item = in.word();
        boolean silent = switch (item) {
            case "FLAGS" -> false;
            case "FLAGS.SILENT" -> true;
            default -> throw in.error("Expected FLAGS, +FLAGS or -FLAGS");
        };
        in.sp();
        List<String> flags;
        if (in.peek() == '(') {
            flags = in.flagList(ImapRequestParser.MAX_FLAGS);
        } else {
            flags = new ArrayList<>();
            do {
                in.addFlag(flags, in.flag(), ImapRequestParser.MAX_FLAGS);
            } while (in.trySp());
        }
        return new ImapRequest.Store(tag, uid, set, unchangedSince, mode, silent, flags);
    }
}
