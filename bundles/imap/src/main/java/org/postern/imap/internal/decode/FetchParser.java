package org.postern.imap.internal.decode;

import java.util.ArrayList;
import java.util.List;
import org.postern.imap.internal.decode.FetchItem.Partial;
import org.postern.imap.internal.decode.FetchItem.Section;
import org.postern.imap.internal.decode.FetchItem.Simple;

/**
 * [UID] FETCH sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")")
 * [SP "(" "CHANGEDSINCE" SP mod-sequence-valzer ")"] (RFC 3501, RFC 3516 BINARY, RFC 7162).
 * UID FETCH gets UID added, CHANGEDSINCE gets MODSEQ added (both are in the response anyway);
 * repeated items are dropped.
 */
final class FetchParser {
    private static final List<FetchItem> FAST = List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE);
    private static final List<FetchItem> ALL =
            List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE, Simple.ENVELOPE);
    private static final List<FetchItem> FULL =
            List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE, Simple.ENVELOPE, Simple.BODY);

    private FetchParser() {
    }

    static ImapRequest parse(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        SequenceSet set = in.sequenceSet(ImapRequestParser.MAX_RANGES);
        in.sp();
        List<FetchItem> items = new ArrayList<>();
        if (in.tryChar('(')) {
            do {
                if (items.size() == ImapRequestParser.MAX_FETCH_ITEMS) {
                    throw in.error("Too many FETCH items");
                }
                add(items, item(in, in.itemName()));
            } while (in.trySp());
            in.expect(')');
        } else {
            String name = in.itemName();
            switch (name) {
                case "ALL" -> items.addAll(ALL);
                case "FAST" -> items.addAll(FAST);
                case "FULL" -> items.addAll(FULL);
                default -> items.add(item(in, name));
            }
        }
        Long changedSince = null;
        if (in.trySp()) {
            in.expect('(');
            do {
                String m = in.word();
                if (!m.equals("CHANGEDSINCE") || changedSince != null) {
                    throw in.error("Unknown FETCH modifier");
                }
                in.sp();
                changedSince = in.number64();
            } while (in.trySp());
            in.expect(')');
        }
        if (uid && !items.contains(Simple.UID)) {
            items.add(0, Simple.UID);
        }
        if (changedSince != null) {
            add(items, Simple.MODSEQ);
        }
        return new ImapRequest.Fetch(tag, uid, set, items, changedSince);
    }

    private static void add(List<FetchItem> items, FetchItem item) {
        if (!items.contains(item)) {
            items.add(item);
        }
    }

    private static FetchItem item(ImapReader in, String name) throws ImapDecodeException {
        switch (name) {
            case "FLAGS": return Simple.FLAGS;
            case "UID": return Simple.UID;
            case "INTERNALDATE": return Simple.INTERNALDATE;
            case "RFC822": return Simple.RFC822;
            case "RFC822.HEADER": return Simple.RFC822_HEADER;
            case "RFC822.SIZE": return Simple.RFC822_SIZE;
            case "RFC822.TEXT": return Simple.RFC822_TEXT;
            case "ENVELOPE": return Simple.ENVELOPE;
            case "BODYSTRUCTURE": return Simple.BODYSTRUCTURE;
            case "MODSEQ": return Simple.MODSEQ;
            case "BODY":
                if (in.peek() != '[') {
                    return Simple.BODY;
                }
                return new FetchItem.Body(section(in), false, partial(in));
            case "BODY.PEEK":
                return new FetchItem.Body(section(in), true, partial(in));
            case "BINARY":
                return new FetchItem.Binary(binarySection(in), false, partial(in));
            case "BINARY.PEEK":
                return new FetchItem.Binary(binarySection(in), true, partial(in));
            case "BINARY.SIZE":
                return new FetchItem.BinarySize(binarySection(in));
            case "ALL": case "FAST": case "FULL":
                throw in.error(name + " cannot be combined with other items");
            default:
                throw in.error("Unknown FETCH item");
        }
    }

    /** "[" [section-spec] "]". */
    static Section section(ImapReader in) throws ImapDecodeException {
        in.expect('[');
        List<Integer> part = new ArrayList<>();
        if (in.tryChar(']')) {
            return new Section(part, Section.Text.ALL, List.of());
        }
        while (ImapChars.isDigit(in.peek())) {
            addPart(in, part);
            if (!in.tryChar('.')) {
                in.expect(']');
                return new Section(part, Section.Text.ALL, List.of());
            }
        }
        String text = in.itemName();
        Section s;
        switch (text) {
            case "HEADER" -> s = new Section(part, Section.Text.HEADER, List.of());
            case "TEXT" -> s = new Section(part, Section.Text.TEXT, List.of());
            case "MIME" -> {
                if (part.isEmpty()) {
                    throw in.error("MIME needs a part number");
                }
                s = new Section(part, Section.Text.MIME, List.of());
            }
            case "HEADER.FIELDS", "HEADER.FIELDS.NOT" -> {
                in.sp();
                s = new Section(part, text.endsWith(".NOT") ? Section.Text.HEADER_FIELDS_NOT : Section.Text.HEADER_FIELDS,
                        headerList(in));
            }
            default -> throw in.error("Invalid section");
        }
        in.expect(']');
        return s;
    }

    /** section-binary: "[" [section-part] "]". */
    private static List<Integer> binarySection(ImapReader in) throws ImapDecodeException {
        in.expect('[');
        List<Integer> part = new ArrayList<>();
        if (!in.tryChar(']')) {
            do {
                addPart(in, part);
            } while (in.tryChar('.'));
            in.expect(']');
        }
        return part;
    }

    private static void addPart(ImapReader in, List<Integer> part) throws ImapDecodeException {
        if (part.size() == ImapRequestParser.MAX_SECTION_DEPTH) {
            throw in.error("Section too deep");
        }
        long n = in.nzNumber();
        if (n > Integer.MAX_VALUE) {
            throw in.error("Section part number too large");
        }
        part.add((int) n);
    }

    /** header-list: "(" header-fld-name *(SP header-fld-name) ")", names checked (RFC 5322 ftext). */
    private static List<String> headerList(ImapReader in) throws ImapDecodeException {
        in.expect('(');
        List<String> names = new ArrayList<>();
        do {
            if (names.size() == ImapRequestParser.MAX_HEADER_FIELDS) {
                throw in.error("Too many header field names");
            }
            String name = in.astring();
            if (name.isEmpty()) {
                throw in.error("Empty header field name");
            }
            for (int i = 0; i < name.length(); i++) {
                char ch = name.charAt(i);
                if (ch <= 0x20 || ch >= 0x7f || ch == ':') {
                    throw in.error("Invalid header field name");
                }
            }
            names.add(name);
        } while (in.trySp());
        in.expect(')');
        return names;
    }

    /** ["<" number "." nz-number ">"]. */
    private static Partial partial(ImapReader in) throws ImapDecodeException {
        if (!in.tryChar('<')) {
            return null;
        }
        long origin = in.number();
        in.expect('.');
        long length = in.nzNumber();
        in.expect('>');
        return new Partial(origin, length);
    }
}
