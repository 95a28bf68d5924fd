package org.postern.imap.internal.decode;

import java.time.OffsetDateTime;
import java.util.List;

/** APPEND mailbox [SP flag-list] [SP date-time] SP literal (one message: no MULTIAPPEND). */
final class AppendParser {
    private AppendParser() {
    }

    static ImapRequest parse(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        String mailbox = in.mailbox();
        in.sp();
        List<String> flags = List.of();
        if (in.peek() == '(') {
            flags = in.flagList(ImapRequestParser.MAX_FLAGS);
            in.sp();
        }
        OffsetDateTime date = null;
        if (in.peek() == '"') {
            date = in.dateTime();
            in.sp();
        }
        if (!in.atLiteral()) {
            throw in.error(in.peek() == '~' ? "literal8 is not supported" : "APPEND needs the message as a literal");
        }
        Literal message = in.literal();
        if (!in.atEnd()) {
            throw in.error(in.peek() == ' ' ? "MULTIAPPEND is not supported" : "Unexpected characters after the message");
        }
        return new ImapRequest.Append(tag, mailbox, flags, date, message);
    }
}
