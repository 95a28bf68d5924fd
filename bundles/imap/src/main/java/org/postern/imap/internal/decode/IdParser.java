package org.postern.imap.internal.decode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ID SP ("(" [string SP nstring *(SP string SP nstring)] ")" / NIL) (RFC 2971), with its limits:
 * 30 pairs, field names up to 30 octets, values up to 1024 octets.
 */
final class IdParser {
    static final int MAX_PAIRS = 30;
    static final int MAX_FIELD = 30;
    static final int MAX_VALUE = 1024;

    private IdParser() {
    }

    static ImapRequest parse(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        Map<String, String> fields = new LinkedHashMap<>();
        if (in.peekNil()) {
            in.nstring();
            return new ImapRequest.Id(tag, fields);
        }
        in.expect('(');
        if (!in.tryChar(')')) {
            do {
                if (fields.size() == MAX_PAIRS) {
                    throw in.error("Too many ID fields");
                }
                String field = in.string();
                in.sp();
                String value = in.nstring();
                if (field.length() > MAX_FIELD || value != null && value.length() > MAX_VALUE) {
                    throw in.error("ID field or value too long");
                }
                fields.put(field, value);
            } while (in.trySp());
            in.expect(')');
        }
        return new ImapRequest.Id(tag, fields);
    }
}
