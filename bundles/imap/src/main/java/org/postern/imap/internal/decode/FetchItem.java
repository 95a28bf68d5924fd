package org.postern.imap.internal.decode;

import java.util.List;

/** One FETCH data item (RFC 3501 6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ). */
public sealed interface FetchItem {

    /** Items without arguments. The macros ALL, FAST and FULL are expanded into these. */
    enum Simple implements FetchItem {
        FLAGS("FLAGS"), UID("UID"), INTERNALDATE("INTERNALDATE"), RFC822("RFC822"),
        RFC822_HEADER("RFC822.HEADER"), RFC822_SIZE("RFC822.SIZE"), RFC822_TEXT("RFC822.TEXT"),
        ENVELOPE("ENVELOPE"), BODY("BODY"), BODYSTRUCTURE("BODYSTRUCTURE"), MODSEQ("MODSEQ");

        private final String wire;

        Simple(String wire) {
            this.wire = wire;
        }

        /** The name in requests and responses. */
        public String wire() {
            return wire;
        }
    }

    /** {@code BODY[section]<partial>} or {@code BODY.PEEK[...]}. */
    record Body(Section section, boolean peek, Partial partial) implements FetchItem {
    }

    /** {@code BINARY[part]<partial>} or {@code BINARY.PEEK[...]}: decoded content (RFC 3516). */
    record Binary(List<Integer> part, boolean peek, Partial partial) implements FetchItem {
        public Binary {
            part = List.copyOf(part);
        }
    }

    /** {@code BINARY.SIZE[part]}. */
    record BinarySize(List<Integer> part) implements FetchItem {
        public BinarySize {
            part = List.copyOf(part);
        }
    }

    /** {@code <origin.length>}: octets from {@code origin}, at most {@code length} of them. */
    record Partial(long origin, long length) {
    }

    /**
     * A section: part numbers (empty for the whole message), then what of that part. {@code fields}
     * is non-empty exactly for HEADER_FIELDS and HEADER_FIELDS_NOT, and MIME needs part numbers.
     */
    record Section(List<Integer> part, Text text, List<String> fields) {
        public enum Text { ALL, HEADER, HEADER_FIELDS, HEADER_FIELDS_NOT, TEXT, MIME }

        public Section {
            part = List.copyOf(part);
            fields = List.copyOf(fields);
        }
    }
}
