package org.postern.imap.internal.decode;

import java.util.ArrayList;
import java.util.List;
import org.postern.imap.internal.decode.Rejection.Status;
import org.postern.imap.internal.decode.SearchKey.Date.Comparison;
import org.postern.imap.internal.decode.SearchKey.Simple;
import org.postern.imap.internal.decode.SearchKey.Text.Field;

/**
 * [UID] SEARCH [CHARSET charset] 1*(SP search-key) (RFC 3501 6.4.4, RFC 7162 MODSEQ, RFC 5032).
 * Charsets: UTF-8 and US-ASCII; any other is {@code NO [BADCHARSET (UTF-8 US-ASCII)]}. Nesting (NOT,
 * OR, parentheses) is bounded by {@link ImapRequestParser#MAX_NESTING} and the number of keys by
 * {@link ImapRequestParser#MAX_SEARCH_KEYS}, so the recursion here has a fixed bound.
 */
final class SearchParser {
    static final String BADCHARSET = "BADCHARSET (UTF-8 US-ASCII)";

    private final ImapReader in;
    private int keys;

    private SearchParser(ImapReader in) {
        this.in = in;
    }

    static ImapRequest parse(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        String charset = null;
        if (in.tryWord("CHARSET")) {
            in.sp();
            charset = in.astring().toUpperCase(java.util.Locale.ROOT);
            if (!charset.equals("UTF-8") && !charset.equals("US-ASCII")) {
                throw new ImapDecodeException(tag, Status.NO, BADCHARSET, "Unsupported charset");
            }
            in.sp();
        }
        if (in.tryWord("RETURN")) {
            throw in.error("SEARCH RETURN is not supported");
        }
        SearchParser p = new SearchParser(in);
        List<SearchKey> top = new ArrayList<>();
        do {
            top.add(p.key(1));
        } while (in.trySp());
        return new ImapRequest.Search(tag, uid, charset, new SearchKey.And(top));
    }

    private SearchKey key(int depth) throws ImapDecodeException {
        if (depth > ImapRequestParser.MAX_NESTING) {
            throw in.error("Search keys nested too deeply");
        }
        if (++keys > ImapRequestParser.MAX_SEARCH_KEYS) {
            throw in.error("Too many search keys");
        }
        if (in.tryChar('(')) {
            List<SearchKey> list = new ArrayList<>();
            do {
                list.add(key(depth + 1));
            } while (in.trySp());
            in.expect(')');
            return new SearchKey.And(list);
        }
        if (in.atSequenceSet()) {
            return new SearchKey.Sequence(false, in.sequenceSet(ImapRequestParser.MAX_RANGES));
        }
        if (!ImapChars.isAtomChar(in.peek())) {
            throw in.error("Expected a search key");
        }
        String word = in.word();
        switch (word) {
            case "ALL": return Simple.ALL;
            case "ANSWERED": return Simple.ANSWERED;
            case "DELETED": return Simple.DELETED;
            case "DRAFT": return Simple.DRAFT;
            case "FLAGGED": return Simple.FLAGGED;
            case "NEW": return Simple.NEW;
            case "OLD": return Simple.OLD;
            case "RECENT": return Simple.RECENT;
            case "SEEN": return Simple.SEEN;
            case "UNANSWERED": return Simple.UNANSWERED;
            case "UNDELETED": return Simple.UNDELETED;
            case "UNDRAFT": return Simple.UNDRAFT;
            case "UNFLAGGED": return Simple.UNFLAGGED;
            case "UNSEEN": return Simple.UNSEEN;
            case "BCC": return text(Field.BCC);
            case "BODY": return text(Field.BODY);
            case "CC": return text(Field.CC);
            case "FROM": return text(Field.FROM);
            case "SUBJECT": return text(Field.SUBJECT);
            case "TEXT": return text(Field.TEXT);
            case "TO": return text(Field.TO);
            case "KEYWORD": case "UNKEYWORD":
                in.sp();
                return new SearchKey.Keyword(in.atom(), word.equals("KEYWORD"));
            case "HEADER": {
                in.sp();
                String name = in.astring();
                in.sp();
                return new SearchKey.Header(name, in.astring());
            }
            case "BEFORE": return date(false, Comparison.BEFORE);
            case "ON": return date(false, Comparison.ON);
            case "SINCE": return date(false, Comparison.SINCE);
            case "SENTBEFORE": return date(true, Comparison.BEFORE);
            case "SENTON": return date(true, Comparison.ON);
            case "SENTSINCE": return date(true, Comparison.SINCE);
            case "LARGER": case "SMALLER":
                in.sp();
                return new SearchKey.Size(word.equals("LARGER"), in.number64());
            case "OLDER": case "YOUNGER":
                in.sp();
                return new SearchKey.Within(word.equals("OLDER"), in.nzNumber());
            case "UID":
                in.sp();
                return new SearchKey.Sequence(true, in.sequenceSet(ImapRequestParser.MAX_RANGES));
            case "NOT":
                in.sp();
                return new SearchKey.Not(key(depth + 1));
            case "OR": {
                in.sp();
                SearchKey left = key(depth + 1);
                in.sp();
                return new SearchKey.Or(left, key(depth + 1));
            }
            case "MODSEQ":
                return modseq();
            default:
                throw in.error("Unknown search key");
        }
    }

    private SearchKey text(Field field) throws ImapDecodeException {
        in.sp();
        return new SearchKey.Text(field, in.astring());
    }

    private SearchKey date(boolean sent, Comparison comparison) throws ImapDecodeException {
        in.sp();
        return new SearchKey.Date(sent, comparison, in.date());
    }

    /** MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer. */
    private SearchKey modseq() throws ImapDecodeException {
        in.sp();
        String entry = null;
        String type = null;
        if (in.peek() == '"') {
            entry = in.string();
            if (!entry.startsWith("/flags/") || entry.length() == 7) {
                throw in.error("Invalid MODSEQ entry name");
            }
            in.sp();
            type = in.word();
            if (!type.equals("PRIV") && !type.equals("SHARED") && !type.equals("ALL")) {
                throw in.error("Invalid MODSEQ entry type");
            }
            in.sp();
        }
        return new SearchKey.ModSeq(entry, type, in.number64());
    }
}
