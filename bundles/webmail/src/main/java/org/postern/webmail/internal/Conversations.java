package org.postern.webmail.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postern.api.mail.Mailboxes;
import org.postern.api.mail.Mailboxes.MessageInfo;
import org.postern.mime.MessageStructure;

/**
 * A folder's messages grouped into conversations, as mail readers show threads: a reply joins the
 * message its In-Reply-To names, and replies to the same message join each other even when that
 * message is elsewhere (in Sent, or deleted). A reply that names nothing found here ("Re:"/"Fwd:"
 * and a subject, from a client that drops In-Reply-To) joins the conversation of that subject. This
 * is the REFERENCES algorithm of RFC 5256 without its References chain, which the ENVELOPE lacks:
 * grouping reads only the structures the store keeps, never a message body.
 * <p>
 * Envelopes never change for a UID, so they are kept per folder (and UIDVALIDITY) and only new
 * messages are read on the next visit; the cache holds at most {@link #MAX_CACHED} envelopes in all,
 * dropping the least recently used folders first, and a folder larger than that is read every time.
 */
final class Conversations {
    static final int MAX_CACHED = 100_000;
    private static final int BATCH = 500;

    /** One conversation: its messages oldest first, and their envelopes in the same order. */
    record Conversation(List<MessageInfo> messages, List<Envelope> envelopes, String subject, String from) {
        MessageInfo newest() {
            return messages.get(messages.size() - 1);
        }

        int unseen() {
            int n = 0;
            for (MessageInfo m : messages) {
                n += m.flags().contains("\\Seen") ? 0 : 1;
            }
            return n;
        }

        boolean flagged() {
            return messages.stream().anyMatch(m -> m.flags().contains("\\Flagged"));
        }
    }

    private record Cached(long uidValidity, Map<Long, Envelope> byUid) {
    }

    private final Mailboxes mailboxes;
    private final LinkedHashMap<String, Cached> cache = new LinkedHashMap<>(16, 0.75f, true);
    private int cachedCount;

    Conversations(Mailboxes mailboxes) {
        this.mailboxes = mailboxes;
    }

    /** The folder's conversations, the one with the newest message first. */
    List<Conversation> of(String accountId, Mailboxes.FolderView view) {
        Map<Long, Envelope> envelopes = envelopes(accountId, view);
        return group(view.messages(), envelopes);
    }

    /** The conversation the message belongs to, or null when it is not in the folder. */
    Conversation containing(String accountId, Mailboxes.FolderView view, long uid) {
        for (Conversation c : of(accountId, view)) {
            for (MessageInfo m : c.messages()) {
                if (m.uid() == uid) {
                    return c;
                }
            }
        }
        return null;
    }

    /** Forgets an account's folders (at logout of its last session, or when it is deleted). */
    synchronized void forget(String accountId) {
        cache.entrySet().removeIf(e -> {
            boolean gone = e.getKey().startsWith(accountId + "\u0000");
            cachedCount -= gone ? e.getValue().byUid().size() : 0;
            return gone;
        });
    }

    private Map<Long, Envelope> envelopes(String accountId, Mailboxes.FolderView view) {
        String key = accountId + "\u0000" + view.folder().name();
        long uidValidity = view.folder().uidValidity();
        Cached before;
        synchronized (this) {
            before = cache.get(key);
        }
        Map<Long, Envelope> now = new HashMap<>(view.messages().size() * 2);
        List<Long> missing = new ArrayList<>();
        for (MessageInfo m : view.messages()) {
            Envelope e = before == null || before.uidValidity() != uidValidity ? null : before.byUid().get(m.uid());
            if (e == null) {
                missing.add(m.uid());
            } else {
                now.put(m.uid(), e);
            }
        }
        for (int i = 0; i < missing.size(); i += BATCH) {
            List<Long> slice = missing.subList(i, Math.min(missing.size(), i + BATCH));
            Map<Long, byte[]> structures;
            try {
                structures = mailboxes.structures(accountId, view.folder().name(), uidValidity, slice);
            } catch (RuntimeException gone) {
                structures = Map.of();
            }
            for (Long uid : slice) {
                byte[] stored = structures.get(uid);
                Envelope e = Envelope.NONE;
                if (stored != null) {
                    try {
                        e = Envelope.parse(MessageStructure.fromBytes(stored).envelope());
                    } catch (RuntimeException unreadable) {
                        e = Envelope.NONE;
                    }
                }
                now.put(uid, e);
            }
        }
        synchronized (this) {
            Cached old = cache.remove(key);
            cachedCount -= old == null ? 0 : old.byUid().size();
            if (now.size() <= MAX_CACHED) {
                cache.put(key, new Cached(uidValidity, now));
                cachedCount += now.size();
                var eldest = cache.entrySet().iterator();
                while (cachedCount > MAX_CACHED && eldest.hasNext()) {
                    cachedCount -= eldest.next().getValue().byUid().size();
                    eldest.remove();
                }
            }
        }
        return now;
    }

    static List<Conversation> group(Collection<MessageInfo> messages, Map<Long, Envelope> envelopes) {
        List<MessageInfo> list = new ArrayList<>(messages);
        list.sort(Comparator.comparing(MessageInfo::internalDate).thenComparingLong(MessageInfo::uid));
        int n = list.size();
        int[] parent = new int[n * 2 + 1];
        for (int i = 0; i < parent.length; i++) {
            parent[i] = i;
        }
        Map<String, Integer> byId = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String id = envelope(envelopes, list.get(i)).messageId();
            if (id != null) {
                byId.putIfAbsent(id, i);
            }
        }
        // a message named but not here gets a node of its own (n and up), so its replies still meet
        int next = n;
        Map<String, Integer> absent = new HashMap<>();
        Map<String, Integer> bySubject = new HashMap<>();
        List<Integer> unplacedReplies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Envelope e = envelope(envelopes, list.get(i));
            String base = baseSubject(e.subject());
            boolean linked = false;
            if (e.inReplyTo() != null && !e.inReplyTo().equals(e.messageId())) {
                Integer to = byId.get(e.inReplyTo());
                if (to == null) {
                    to = absent.get(e.inReplyTo());
                    if (to == null && next < parent.length) {
                        to = next++;
                        absent.put(e.inReplyTo(), to);
                    }
                } else {
                    linked = true;
                }
                if (to != null) {
                    union(parent, i, to);
                }
            }
            if (!base.isEmpty()) {
                if (!linked && isReply(e.subject())) {
                    unplacedReplies.add(i);
                }
                bySubject.putIfAbsent(base, i);
            }
        }
        for (int i : unplacedReplies) {
            Integer first = bySubject.get(baseSubject(envelope(envelopes, list.get(i)).subject()));
            if (first != null) {
                union(parent, i, first);
            }
        }
        Map<Integer, List<MessageInfo>> groups = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            groups.computeIfAbsent(find(parent, i), k -> new ArrayList<>()).add(list.get(i));
        }
        List<Conversation> out = new ArrayList<>(groups.size());
        for (List<MessageInfo> members : groups.values()) {
            List<Envelope> es = new ArrayList<>(members.size());
            for (MessageInfo m : members) {
                es.add(envelope(envelopes, m));
            }
            out.add(new Conversation(List.copyOf(members), List.copyOf(es), es.get(0).subject(), es.get(es.size() - 1).from()));
        }
        out.sort(Comparator.comparing((Conversation c) -> c.newest().internalDate())
                .thenComparingLong(c -> c.newest().uid()).reversed());
        return out;
    }

    private static Envelope envelope(Map<Long, Envelope> envelopes, MessageInfo m) {
        return envelopes.getOrDefault(m.uid(), Envelope.NONE);
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a);
        int rb = find(parent, b);
        if (ra != rb) {
            // the lower index (the older message) stays the root: groups keep their order
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }

    /** "Re:" or a forward, also after a "[list]" tag. */
    static boolean isReply(String subject) {
        if (subject == null) {
            return false;
        }
        String s = collapse(subject);
        if (s.startsWith("[") && s.indexOf(']') > 0) {
            s = s.substring(s.indexOf(']') + 1).strip();
        }
        for (String prefix : new String[] {"re:", "fwd:", "fw:", "aw:", "sv:", "wg:"}) {
            if (s.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The subject without the "Re:", "Fwd:", "Fw:" and "[list]" prefixes and "(fwd)" trailers
     * mail readers add (RFC 5256 2.1), whitespace collapsed, compared without case.
     */
    static String baseSubject(String subject) {
        if (subject == null) {
            return "";
        }
        String s = collapse(subject);
        boolean changed = true;
        while (changed) {
            changed = false;
            if (s.endsWith("(fwd)")) {
                s = s.substring(0, s.length() - 5).strip();
                changed = true;
            }
            for (String prefix : new String[] {"re:", "fwd:", "fw:", "aw:", "sv:", "wg:"}) {
                if (s.startsWith(prefix)) {
                    s = s.substring(prefix.length()).strip();
                    changed = true;
                }
            }
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                if (close > 0 && close < s.length() - 1) {
                    s = s.substring(close + 1).strip();
                    changed = true;
                }
            }
        }
        return s;
    }

    private static String collapse(String subject) {
        return subject.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }
}
