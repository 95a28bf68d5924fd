package org.postern.imap.internal.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.postern.api.mail.Mailboxes;
import org.postern.api.mail.Mailboxes.MessageInfo;
import org.postern.imap.internal.decode.ImapRequest;
import org.postern.imap.internal.decode.SearchKey;
import org.postern.mime.BodyText;
import org.postern.mime.EncodedWords;
import org.postern.mime.MessageStructure;

/**
 * [UID] SEARCH over the selected folder: flags, sizes, dates, sets and MODSEQ from the session's
 * view; header keys by reading the message header (fields unfolded, encoded words decoded); BODY
 * and TEXT through {@link BodyText}, the text parts as their reader sees them (transfer encodings
 * and charsets undone), located by the structure stored when the message was filed
 * ({@value Fetching#STRUCTURE_BATCH} messages per query) or parsed when none is.
 */
final class Searching {
    private final ImapSession session;
    private final SelectedFolder folder;
    private final Mailboxes mailboxes;
    private final String accountId;
    private boolean modseqAsked;
    /** Stored structures of the messages up to sequence number windowEnd (exclusive), loaded a batch at a time. */
    private Map<Long, MessageStructure> window = Map.of();
    private int windowEnd;

    Searching(ImapSession session, SelectedFolder folder, Mailboxes mailboxes, String accountId) {
        this.session = session;
        this.folder = folder;
        this.mailboxes = mailboxes;
        this.accountId = accountId;
    }

    /** Most keys that read message text in one SEARCH: each may read every message. */
    static final int MAX_TEXT_KEYS = 16;

    void search(ImapRequest.Search s) {
        if (textKeys(s.key(), 0) > MAX_TEXT_KEYS) {
            session.send(s.tag() + " BAD Too many header or text keys in one SEARCH");
            return;
        }
        StringBuilder out = new StringBuilder("* SEARCH");
        long maxModseq = 0;
        for (int seq = 1; seq <= folder.size(); seq++) {
            MessageInfo m = folder.bySeq(seq);
            Message msg = new Message(seq, m);
            if (matches(s.key(), msg, 0)) {
                out.append(' ').append(s.uid() ? m.uid() : seq);
                maxModseq = Math.max(maxModseq, m.modseq());
            }
        }
        if (modseqAsked && maxModseq > 0) {
            out.append(" (MODSEQ ").append(maxModseq).append(')');
        }
        session.send(out.toString());
        session.send(s.tag() + " OK SEARCH completed");
    }

    /** One message under test; its header and body are read at most once, when a key needs them. */
    private final class Message {
        final int seq;
        final MessageInfo info;
        private MessageText text;

        Message(int seq, MessageInfo info) {
            this.seq = seq;
            this.info = info;
        }

        MessageText text() {
            if (text == null) {
                try (InputStream in = open()) {
                    text = MessageText.read(in);
                } catch (IOException e) {
                    text = MessageText.empty();
                }
            }
            return text;
        }

        InputStream open() throws IOException {
            Optional<InputStream> in = mailboxes.open(accountId, folder.name, folder.uidValidity, info.uid());
            return in.orElseGet(() -> InputStream.nullInputStream());
        }

        /** BODY (and with the part headers, the body part of TEXT): see {@link BodyText}. */
        boolean bodyContains(String needle, boolean withPartHeaders) {
            try {
                MessageStructure structure = structure();
                try (InputStream in = open()) {
                    return BodyText.contains(in, structure, needle, withPartHeaders);
                }
            } catch (IOException e) {
                return false;
            }
        }

        private MessageStructure structure() throws IOException {
            if (seq >= windowEnd) {
                int end = Math.min(folder.size(), seq + Fetching.STRUCTURE_BATCH - 1);
                List<MessageInfo> next = new ArrayList<>(end - seq + 1);
                for (int k = seq; k <= end; k++) {
                    next.add(folder.bySeq(k));
                }
                window = StoredStructures.load(mailboxes, accountId, folder, next);
                windowEnd = end + 1;
            }
            MessageStructure stored = window.get(info.uid());
            if (stored != null && stored.size() == info.size()) {
                return stored;
            }
            try (InputStream in = open()) {
                return MessageStructure.parse(in, info.size());
            }
        }
    }

    private boolean matches(SearchKey key, Message m, int depth) {
        Instant t = m.info.internalDate();
        if (key instanceof SearchKey.Simple simple) {
            java.util.Set<String> f = m.info.flags();
            return switch (simple) {
                case ALL, OLD -> true;
                case NEW, RECENT -> false;
                case ANSWERED -> f.contains("\\Answered");
                case DELETED -> f.contains("\\Deleted");
                case DRAFT -> f.contains("\\Draft");
                case FLAGGED -> f.contains("\\Flagged");
                case SEEN -> f.contains("\\Seen");
                case UNANSWERED -> !f.contains("\\Answered");
                case UNDELETED -> !f.contains("\\Deleted");
                case UNDRAFT -> !f.contains("\\Draft");
                case UNFLAGGED -> !f.contains("\\Flagged");
                case UNSEEN -> !f.contains("\\Seen");
            };
        } else if (key instanceof SearchKey.Keyword k) {
            boolean has = m.info.flags().stream().anyMatch(x -> x.equalsIgnoreCase(k.keyword()));
            return has == k.present();
        } else if (key instanceof SearchKey.Size s) {
            return s.larger() ? m.info.size() > s.size() : m.info.size() < s.size();
        } else if (key instanceof SearchKey.Within w) {
            long age = Instant.now().getEpochSecond() - t.getEpochSecond();
            return w.older() ? age >= w.seconds() : age <= w.seconds();
        } else if (key instanceof SearchKey.Sequence sq) {
            return sq.uid() ? sq.set().contains(m.info.uid(), folder.lastUid()) : sq.set().contains(m.seq, folder.size());
        } else if (key instanceof SearchKey.ModSeq ms) {
            modseqAsked = true;
            return m.info.modseq() >= ms.modseq();
        } else if (key instanceof SearchKey.Date d) {
            LocalDate day = d.sent() ? sentDate(m.text().value("Date")) : LocalDate.ofInstant(t, ZoneOffset.UTC);
            if (day == null) {
                return false;
            }
            return switch (d.comparison()) {
                case BEFORE -> day.isBefore(d.date());
                case ON -> day.isEqual(d.date());
                case SINCE -> !day.isBefore(d.date());
            };
        } else if (key instanceof SearchKey.Header h) {
            String needle = MessageText.lower(h.value());
            for (MessageText.Field f : m.text().fields()) {
                if (f.name().equalsIgnoreCase(h.name()) && (Kmp.contains(MessageText.lower(f.value()), needle)
                        || Kmp.contains(readable(f.value()), needle))) {
                    return true;
                }
            }
            return false;
        } else if (key instanceof SearchKey.Text tx) {
            String needle = MessageText.lower(tx.value());
            return switch (tx.field()) {
                case BCC, CC, FROM, SUBJECT, TO -> {
                    String v = m.text().value(tx.field().name());
                    yield v != null && Kmp.contains(readable(v), needle);
                }
                case BODY -> m.bodyContains(tx.value(), false);
                case TEXT -> headerContains(m.text(), needle) || m.bodyContains(tx.value(), true);
            };
        } else if (key instanceof SearchKey.Not n) {
            return !matches(n.key(), m, depth + 1);
        } else if (key instanceof SearchKey.Or o) {
            return matches(o.left(), m, depth + 1) || matches(o.right(), m, depth + 1);
        } else if (key instanceof SearchKey.And a) {
            for (SearchKey k : a.keys()) {
                if (!matches(k, m, depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static int textKeys(SearchKey key, int depth) {
        if (key instanceof SearchKey.Text || key instanceof SearchKey.Header) {
            return 1;
        }
        if (key instanceof SearchKey.Not n) {
            return textKeys(n.key(), depth + 1);
        }
        if (key instanceof SearchKey.Or o) {
            return textKeys(o.left(), depth + 1) + textKeys(o.right(), depth + 1);
        }
        if (key instanceof SearchKey.And a) {
            int n = 0;
            for (SearchKey k : a.keys()) {
                n += textKeys(k, depth + 1);
            }
            return n;
        }
        return 0;
    }

    private static boolean headerContains(MessageText text, String needle) {
        if (Kmp.contains(MessageText.lower(new String(text.header, StandardCharsets.UTF_8)), needle)) {
            return true;
        }
        for (MessageText.Field f : text.fields()) {
            if (Kmp.contains(readable(f.value()), needle)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A header value as its reader sees it, lower-cased: RFC 2047 encoded words decoded, so that
     * SUBJECT "café" finds {@code =?UTF-8?Q?caf=C3=A9?=} as well as 8-bit UTF-8.
     */
    private static String readable(String value) {
        return MessageText.lower(EncodedWords.decode(value));
    }

    private static LocalDate sentDate(String value) {
        if (value == null) {
            return null;
        }
        try {
            // A trailing comment, "(UTC)", is not part of RFC 1123's form; cut by hand, not by
            // a pattern (header text is the sender's).
            String v = value.trim();
            int open = v.lastIndexOf('(');
            if (v.endsWith(")") && open > 0) {
                v = v.substring(0, open).trim();
            }
            return ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT)).toLocalDate();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
