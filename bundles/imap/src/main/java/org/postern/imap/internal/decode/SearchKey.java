package org.postern.imap.internal.decode;

import java.time.LocalDate;
import java.util.List;

/** A SEARCH key (RFC 3501 6.4.4, RFC 7162 MODSEQ, RFC 5032 OLDER/YOUNGER), nested at most {@link ImapRequestParser#MAX_NESTING} deep. */
public sealed interface SearchKey {

    /** Keys without arguments. */
    enum Simple implements SearchKey {
        ALL, ANSWERED, DELETED, DRAFT, FLAGGED, NEW, OLD, RECENT, SEEN,
        UNANSWERED, UNDELETED, UNDRAFT, UNFLAGGED, UNSEEN
    }

    /** KEYWORD (present) and UNKEYWORD (absent). */
    record Keyword(String keyword, boolean present) implements SearchKey {
    }

    /** BCC, BODY, CC, FROM, SUBJECT, TEXT, TO: substring search. */
    record Text(Field field, String value) implements SearchKey {
        public enum Field { BCC, BODY, CC, FROM, SUBJECT, TEXT, TO }
    }

    /** HEADER name value; an empty value matches every message with that field. */
    record Header(String name, String value) implements SearchKey {
    }

    /** BEFORE/ON/SINCE (internal date) and SENTBEFORE/SENTON/SENTSINCE (Date: header). */
    record Date(boolean sent, Comparison comparison, LocalDate date) implements SearchKey {
        public enum Comparison { BEFORE, ON, SINCE }
    }

    /** LARGER (true) / SMALLER (false) than {@code size} octets. */
    record Size(boolean larger, long size) implements SearchKey {
    }

    /** OLDER (true) / YOUNGER (false) than {@code seconds} (RFC 5032). */
    record Within(boolean older, long seconds) implements SearchKey {
    }

    /** A sequence set of message numbers, or with {@code uid} of UIDs (UID key). */
    record Sequence(boolean uid, SequenceSet set) implements SearchKey {
    }

    /** MODSEQ [entry-name entry-type] value (RFC 7162 3.1.5); entry and type null when absent. */
    record ModSeq(String entryName, String entryType, long modseq) implements SearchKey {
    }

    record Not(SearchKey key) implements SearchKey {
    }

    record Or(SearchKey left, SearchKey right) implements SearchKey {
    }

    /** A parenthesised list, and the top level of a SEARCH: every key must match. */
    record And(List<SearchKey> keys) implements SearchKey {
        public And {
            keys = List.copyOf(keys);
        }
    }
}
