package org.postern.imap.internal.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.postern.api.mail.Mailboxes;
import org.postern.api.mail.Mailboxes.MessageInfo;
import org.postern.imap.internal.decode.FetchItem;
import org.postern.imap.internal.decode.ImapRequest;
import org.postern.mime.MessageStructure;
import org.postern.mime.Part;
import org.postern.mime.Range;

/**
 * [UID] FETCH: metadata from the session's view; bodies and their sections as byte ranges of the
 * stored message, streamed through the outbox (never a whole message in memory); ENVELOPE,
 * BODYSTRUCTURE, BODY and the section ranges from the structure the mail store parsed when the
 * message was filed ({@link Mailboxes#structures}, {@value #STRUCTURE_BATCH} messages per query),
 * and from one streaming parse of the message ({@link MessageStructure}) only when none is stored.
 */
final class Fetching {
    private final ImapSession session;
    private final SelectedFolder folder;
    private final Mailboxes mailboxes;
    private final String accountId;
    private final boolean condstore;

    Fetching(ImapSession session, SelectedFolder folder, Mailboxes mailboxes, String accountId, boolean condstore) {
        this.session = session;
        this.folder = folder;
        this.mailboxes = mailboxes;
        this.accountId = accountId;
        this.condstore = condstore;
    }

    /** Most body sections one FETCH may ask for per message (clients ask one to three). */
    static final int MAX_BODY_ITEMS = 32;
    /**
     * Messages whose stored structures one query fetches: a FETCH 1:* ENVELOPE over 10,000
     * messages is 100 queries, not 10,000, and holds at most this many structures at a time.
     */
    static final int STRUCTURE_BATCH = 100;

    void fetch(ImapRequest.Fetch f) {
        int bodies = 0;
        for (FetchItem item : f.items()) {
            if (item instanceof FetchItem.Binary || item instanceof FetchItem.BinarySize) {
                session.send(f.tag() + " NO [CANNOT] BINARY is not offered");
                return;
            }
            if (item instanceof FetchItem.Body || item == FetchItem.Simple.RFC822 || item == FetchItem.Simple.RFC822_HEADER
                    || item == FetchItem.Simple.RFC822_TEXT) {
                bodies++;
            }
        }
        if (bodies > MAX_BODY_ITEMS) {
            session.send(f.tag() + " BAD Too many body sections in one FETCH");
            return;
        }
        List<FetchItem> items = new ArrayList<>(new java.util.LinkedHashSet<>(f.items()));
        int[] seqs = folder.resolve(f.set(), f.uid());
        if (seqs == null) {
            session.send(f.tag() + " BAD Message number out of range");
            return;
        }
        boolean modseq = f.changedSince() != null || items.contains(FetchItem.Simple.MODSEQ);
        boolean marksSeen = !folder.readOnly && items.stream().anyMatch(Fetching::marksSeen);
        Set<Long> newlySeen = new HashSet<>();
        if (marksSeen) {
            List<Long> unseen = new ArrayList<>();
            for (int seq : seqs) {
                MessageInfo m = folder.bySeq(seq);
                if (!m.flags().contains("\\Seen")) {
                    unseen.add(m.uid());
                }
            }
            if (!unseen.isEmpty()) {
                Mailboxes.StoreResult r = mailboxes.storeFlags(accountId, folder.name, folder.uidValidity, unseen,
                        Mailboxes.FlagUpdate.ADD, Set.of("\\Seen"), 0);
                folder.update(r.updated());
                for (MessageInfo m : r.updated()) {
                    newlySeen.add(m.uid());
                }
            }
        }
        // One message's response at a time, as the socket takes them: a FETCH over a big folder
        // never sits whole in memory. The view is copied now: later changes do not renumber it.
        List<MessageInfo> chosen = new ArrayList<>(seqs.length);
        for (int seq : seqs) {
            chosen.add(folder.bySeq(seq));
        }
        String tag = f.tag();
        Long changedSince = f.changedSince();
        boolean structured = items.stream().anyMatch(Fetching::needsStructure);
        session.outbox.add(new Outbox.Producer() {
            private int next;
            private boolean failed;
            /** Stored structures of chosen[batchStart, batchEnd), by UID. */
            private Map<Long, MessageStructure> batch = Map.of();
            private int batchEnd;

            @Override
            public boolean produce(Outbox.Sink sink) {
                while (next < chosen.size()) {
                    int i = next++;
                    MessageInfo m = chosen.get(i);
                    if (changedSince != null && m.modseq() <= changedSince) {
                        continue;
                    }
                    if (structured && i >= batchEnd) {
                        batchEnd = Math.min(chosen.size(), i + STRUCTURE_BATCH);
                        batch = StoredStructures.load(mailboxes, accountId, folder, chosen.subList(i, batchEnd));
                    }
                    List<Object[]> parts = new ArrayList<>();
                    try {
                        one(seqs[i], m, items, newlySeen.contains(m.uid()),
                                modseq || condstore && newlySeen.contains(m.uid()), batch.get(m.uid()), parts);
                    } catch (RuntimeException gone) {
                        // Expunged by another session meanwhile (RFC 2180 4.1): no partial
                        // response, and the command ends NO.
                        failed = true;
                        continue;
                    }
                    for (Object[] part : parts) {
                        if (part.length == 1) {
                            sink.add((byte[]) part[0]);
                        } else {
                            sink.add((Outbox.Source) part[0], (Long) part[1], (Long) part[2]);
                        }
                    }
                    return true;
                }
                sink.add((failed ? tag + " NO Some messages were expunged meanwhile\r\n"
                        : tag + " OK FETCH completed\r\n").getBytes(StandardCharsets.US_ASCII));
                return false;
            }
        });
    }

    /** ENVELOPE, BODYSTRUCTURE, BODY and {@code BODY[part...]} need the parsed structure. */
    private static boolean needsStructure(FetchItem i) {
        return i == FetchItem.Simple.ENVELOPE || i == FetchItem.Simple.BODYSTRUCTURE || i == FetchItem.Simple.BODY
                || i instanceof FetchItem.Body b && !b.section().part().isEmpty();
    }

    private static boolean marksSeen(FetchItem i) {
        return i instanceof FetchItem.Body b && !b.peek()
                || i == FetchItem.Simple.RFC822 || i == FetchItem.Simple.RFC822_TEXT;
    }

    /**
     * Builds one FETCH response into parts (text, and ranges of the stored message streamed later),
     * added to the outbox only once the whole response could be made.
     */
    private static final class Response {
        private final List<Object[]> parts;
        private StringBuilder text = new StringBuilder();

        Response(List<Object[]> parts) {
            this.parts = parts;
        }

        void add(String s) {
            text.append(s);
        }

        void literal(byte[] bytes) {
            text.append('{').append(bytes.length).append("}\r\n");
            flushText();
            parts.add(new Object[] {bytes});
        }

        void literal(Outbox.Source source, long offset, long length) {
            text.append('{').append(length).append("}\r\n");
            flushText();
            parts.add(new Object[] {source, offset, length});
        }

        /** One char per octet: ENVELOPE and BODYSTRUCTURE carry 8-bit header octets that way. */
        private void flushText() {
            parts.add(new Object[] {text.toString().getBytes(StandardCharsets.ISO_8859_1)});
            text = new StringBuilder();
        }

        void end() {
            text.append(")\r\n");
            flushText();
        }
    }

    private void one(int seq, MessageInfo m, List<FetchItem> items, boolean seenNow, boolean modseq,
            MessageStructure stored, List<Object[]> parts) {
        Response r = new Response(parts);
        r.add("* " + seq + " FETCH (");
        boolean first = true;
        boolean flagsSent = false;
        boolean modseqSent = false;
        Outbox.Source source = () -> mailboxes.open(accountId, folder.name, folder.uidValidity, m.uid())
                .orElseThrow(() -> new IOException("message " + m.uid() + " is gone"));
        Lazy lazy = new Lazy(source, m.size(), stored);
        for (FetchItem item : items) {
            if (!first) {
                r.add(" ");
            }
            first = false;
            if (item instanceof FetchItem.Simple s) {
                switch (s) {
                    case UID -> r.add("UID " + m.uid());
                    case FLAGS -> {
                        r.add("FLAGS " + Responses.flags(m.flags()));
                        flagsSent = true;
                    }
                    case INTERNALDATE -> r.add("INTERNALDATE " + Responses.internalDate(m.internalDate()));
                    case RFC822_SIZE -> r.add("RFC822.SIZE " + m.size());
                    case MODSEQ -> {
                        r.add("MODSEQ (" + m.modseq() + ")");
                        modseqSent = true;
                    }
                    case ENVELOPE -> r.add("ENVELOPE " + lazy.structure().envelope());
                    case BODYSTRUCTURE -> r.add("BODYSTRUCTURE " + lazy.structure().bodyStructure());
                    case BODY -> r.add("BODY " + lazy.structure().body());
                    case RFC822 -> {
                        r.add("RFC822 ");
                        r.literal(source, 0, m.size());
                    }
                    case RFC822_HEADER -> {
                        r.add("RFC822.HEADER ");
                        r.literal(lazy.text().header);
                    }
                    case RFC822_TEXT -> {
                        r.add("RFC822.TEXT ");
                        long start = lazy.text().bodyStart;
                        r.literal(source, start, Math.max(0, m.size() - start));
                    }
                }
            } else if (item instanceof FetchItem.Body b) {
                body(r, b, m, source, lazy);
            }
        }
        if (seenNow && !flagsSent) {
            r.add((first ? "" : " ") + "FLAGS " + Responses.flags(m.flags()));
            first = false;
        }
        if (modseq && !modseqSent) {
            r.add((first ? "" : " ") + "MODSEQ (" + m.modseq() + ")");
        }
        r.end();
    }

    /**
     * The message's header split and structure, each read at most once per message; the
     * structure is the stored one when there is one, so the body is not read for it.
     */
    private static final class Lazy {
        private final Outbox.Source source;
        private final long size;
        private MessageText text;
        private MessageStructure structure;

        Lazy(Outbox.Source source, long size, MessageStructure stored) {
            this.source = source;
            this.size = size;
            this.structure = stored;
        }

        MessageText text() {
            if (text == null) {
                try (InputStream in = source.open()) {
                    text = MessageText.read(in);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return text;
        }

        MessageStructure structure() {
            if (structure == null) {
                try (InputStream in = source.open()) {
                    structure = MessageStructure.parse(in, size);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return structure;
        }
    }

    private void body(Response r, FetchItem.Body b, MessageInfo m, Outbox.Source source, Lazy lazy) {
        FetchItem.Section sec = b.section();
        String spec = spec(sec);
        String origin = b.partial() == null ? "" : "<" + b.partial().origin() + ">";
        r.add("BODY[" + spec + "]" + origin + " ");
        // What the section is: a range of the stored octets, or octets made here (header fields).
        long start;
        long length;
        byte[] made = null;
        if (sec.part().isEmpty()) {
            switch (sec.text()) {
                case ALL -> {
                    start = 0;
                    length = m.size();
                }
                case HEADER -> {
                    made = lazy.text().header;
                    start = 0;
                    length = made.length;
                }
                case TEXT -> {
                    start = lazy.text().bodyStart;
                    length = Math.max(0, m.size() - start);
                }
                case HEADER_FIELDS, HEADER_FIELDS_NOT -> {
                    made = lazy.text().select(sec.fields(), sec.text() == FetchItem.Section.Text.HEADER_FIELDS_NOT);
                    start = 0;
                    length = made.length;
                }
                default -> {
                    r.add("NIL");
                    return;
                }
            }
        } else {
            int[] path = sec.part().stream().mapToInt(Integer::intValue).toArray();
            Optional<Part> part = lazy.structure().part(path);
            if (part.isEmpty()) {
                r.add("NIL");
                return;
            }
            Part p = part.get();
            Range range;
            switch (sec.text()) {
                case ALL -> range = p.content();
                case MIME -> range = p.mime();
                case HEADER, HEADER_FIELDS, HEADER_FIELDS_NOT -> range = p.header().orElse(null);
                case TEXT -> range = p.text().orElse(null);
                default -> range = null;
            }
            if (range == null) {
                r.add("NIL");
                return;
            }
            if (sec.text() == FetchItem.Section.Text.HEADER_FIELDS
                    || sec.text() == FetchItem.Section.Text.HEADER_FIELDS_NOT) {
                try (InputStream in = source.open()) {
                    in.skipNBytes(range.start());
                    MessageText t = MessageText.read(new java.io.ByteArrayInputStream(
                            in.readNBytes((int) Math.min(range.length(), MessageText.MAX_HEADER))));
                    made = t.select(sec.fields(), sec.text() == FetchItem.Section.Text.HEADER_FIELDS_NOT);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                start = 0;
                length = made.length;
            } else {
                start = range.start();
                length = range.length();
            }
        }
        if (b.partial() != null) {
            long from = Math.min(b.partial().origin(), length);
            long n = Math.min(b.partial().length(), length - from);
            start += from;
            length = n;
        }
        if (made != null) {
            r.literal(java.util.Arrays.copyOfRange(made, (int) start, (int) (start + length)));
        } else {
            r.literal(source, start, length);
        }
    }

    /** Header names as the client gave them: atoms as they are, anything else quoted. */
    private static String names(List<String> fields) {
        StringBuilder b = new StringBuilder();
        for (String f : fields) {
            if (b.length() > 0) {
                b.append(' ');
            }
            boolean atom = !f.isEmpty();
            for (int i = 0; atom && i < f.length(); i++) {
                char c = f.charAt(i);
                atom = c > 0x20 && c < 0x7f && "(){%*\"\\]".indexOf(c) < 0;
            }
            b.append(atom ? f : Responses.string(f));
        }
        return b.toString();
    }

    private static String spec(FetchItem.Section s) {
        StringBuilder b = new StringBuilder();
        for (int p : s.part()) {
            b.append(b.length() == 0 ? "" : ".").append(p);
        }
        String text = switch (s.text()) {
            case ALL -> "";
            case HEADER -> "HEADER";
            case HEADER_FIELDS -> "HEADER.FIELDS (" + names(s.fields()) + ")";
            case HEADER_FIELDS_NOT -> "HEADER.FIELDS.NOT (" + names(s.fields()) + ")";
            case TEXT -> "TEXT";
            case MIME -> "MIME";
        };
        if (!text.isEmpty() && b.length() > 0) {
            b.append('.');
        }
        return b.append(text).toString();
    }
}
