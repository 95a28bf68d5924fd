package org.postern.imap.internal.server;

import java.util.ArrayList;
import java.util.List;
import org.postern.api.mail.Mailboxes.FolderInfo;
import org.postern.imap.internal.decode.ImapRequest;
import org.postern.imap.internal.decode.ModifiedUtf7;
import org.postern.imap.internal.decode.StatusItem;

/** LIST (RFC 3501, LIST-EXTENDED RFC 5258, SPECIAL-USE RFC 6154, LIST-STATUS RFC 5819), LSUB, STATUS. */
final class Listing {
    private Listing() {
    }

    /** Most patterns in one LIST, and the longest pattern (each folder is matched against each). */
    static final int MAX_PATTERNS = 16;
    static final int MAX_PATTERN_LENGTH = 1024;

    /** @return false when the request is refused for its size (the caller answers BAD) */
    static boolean acceptable(List<String> patterns, String reference) {
        if (patterns.size() > MAX_PATTERNS) {
            return false;
        }
        for (String p : patterns) {
            if (reference.length() + p.length() > MAX_PATTERN_LENGTH) {
                return false;
            }
        }
        return true;
    }

    static void list(ImapSession s, ImapRequest.ListMailboxes l, List<FolderInfo> folders) {
        if (l.patterns().size() == 1 && l.patterns().get(0).isEmpty() && !l.extended()) {
            s.send("* LIST (\\Noselect) \"/\" \"\"");
            return;
        }
        boolean subscribedOnly = l.selection().contains(ImapRequest.ListSelect.SUBSCRIBED);
        boolean specialOnly = l.selection().contains(ImapRequest.ListSelect.SPECIAL_USE);
        boolean showSubscribed = subscribedOnly || l.returns().contains(ImapRequest.ListReturn.SUBSCRIBED);
        java.util.Set<String> parents = parents(folders);
        for (FolderInfo f : folders) {
            if (!matchesAny(l.reference(), l.patterns(), f.name())) {
                continue;
            }
            if (subscribedOnly && !f.subscribed() || specialOnly && f.specialUse() == null) {
                continue;
            }
            List<String> attrs = new ArrayList<>();
            attrs.add(parents.contains(f.name()) ? "\\HasChildren" : "\\HasNoChildren");
            if (f.specialUse() != null) {
                attrs.add(f.specialUse());
            }
            if (showSubscribed && f.subscribed()) {
                attrs.add("\\Subscribed");
            }
            s.send("* LIST (" + String.join(" ", attrs) + ") \"/\" " + Responses.string(ModifiedUtf7.encode(f.name())));
            if (!l.statusItems().isEmpty()) {
                s.send(status(f, l.statusItems()));
            }
        }
    }

    static void lsub(ImapSession s, ImapRequest.Lsub l, List<FolderInfo> folders) {
        for (FolderInfo f : folders) {
            if (f.subscribed() && matchesAny(l.reference(), List.of(l.pattern()), f.name())) {
                s.send("* LSUB () \"/\" " + Responses.string(ModifiedUtf7.encode(f.name())));
            }
        }
    }

    static String status(FolderInfo f, List<StatusItem> items) {
        StringBuilder b = new StringBuilder("* STATUS ").append(Responses.string(ModifiedUtf7.encode(f.name()))).append(" (");
        boolean first = true;
        for (StatusItem i : items) {
            if (!first) {
                b.append(' ');
            }
            first = false;
            long v = switch (i) {
                case MESSAGES -> f.messages();
                case RECENT -> 0;
                case UIDNEXT -> f.uidNext();
                case UIDVALIDITY -> f.uidValidity();
                case UNSEEN -> f.unseen();
                case HIGHESTMODSEQ -> f.highestModseq();
                case SIZE -> f.size();
            };
            b.append(i.name()).append(' ').append(v);
        }
        return b.append(')').toString();
    }

    /** Every name that has a folder below it, in one pass. */
    private static java.util.Set<String> parents(List<FolderInfo> folders) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (FolderInfo f : folders) {
            String n = f.name();
            for (int i = n.indexOf('/'); i > 0; i = n.indexOf('/', i + 1)) {
                out.add(n.substring(0, i));
            }
        }
        return out;
    }

    private static boolean matchesAny(String reference, List<String> patterns, String name) {
        for (String p : patterns) {
            String full = reference + p;
            if (full.equalsIgnoreCase("INBOX") && name.equals("INBOX") || matches(full, name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * RFC 3501 6.3.8 wildcards: {@code *} matches anything, {@code %} anything but the hierarchy
     * separator. Matched by hand (never a regular expression made from what the client sent), as
     * a set of pattern positions advanced one name character at a time: time is name length
     * times pattern length, whatever the pattern.
     */
    static boolean matches(String pattern, String name) {
        int m = pattern.length();
        boolean[] now = new boolean[m + 1];
        boolean[] next = new boolean[m + 1];
        now[0] = true;
        closure(pattern, now);
        for (int k = 0; k < name.length(); k++) {
            char c = name.charAt(k);
            java.util.Arrays.fill(next, false);
            boolean any = false;
            for (int i = 0; i < m; i++) {
                if (!now[i]) {
                    continue;
                }
                char p = pattern.charAt(i);
                if (p == '*' || p == '%' && c != '/') {
                    next[i] = true;
                    any = true;
                } else if (p == c) {
                    next[i + 1] = true;
                    any = true;
                }
            }
            if (!any) {
                return false;
            }
            closure(pattern, next);
            boolean[] t = now;
            now = next;
            next = t;
        }
        return now[m];
    }

    /** A wildcard may match nothing: its position also stands for the one after it. */
    private static void closure(String pattern, boolean[] states) {
        for (int i = 0; i < pattern.length(); i++) {
            if (states[i] && (pattern.charAt(i) == '*' || pattern.charAt(i) == '%')) {
                states[i + 1] = true;
            }
        }
    }
}
