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

    static void list(ImapSession s, ImapRequest.ListMailboxes l, List<FolderInfo> folders) {
        if (l.patterns().size() == 1 && l.patterns().get(0).isEmpty() && !l.extended()) {
            s.send("* LIST (\\Noselect) \"/\" \"\"");
            return;
        }
        boolean subscribedOnly = l.selection().contains(ImapRequest.ListSelect.SUBSCRIBED);
        boolean specialOnly = l.selection().contains(ImapRequest.ListSelect.SPECIAL_USE);
        boolean showSubscribed = subscribedOnly || l.returns().contains(ImapRequest.ListReturn.SUBSCRIBED);
        for (FolderInfo f : folders) {
            if (!matchesAny(l.reference(), l.patterns(), f.name())) {
                continue;
            }
            if (subscribedOnly && !f.subscribed() || specialOnly && f.specialUse() == null) {
                continue;
            }
            List<String> attrs = new ArrayList<>();
            attrs.add(hasChildren(f.name(), folders) ? "\\HasChildren" : "\\HasNoChildren");
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

    private static boolean hasChildren(String name, List<FolderInfo> folders) {
        String prefix = name + "/";
        for (FolderInfo f : folders) {
            if (f.name().startsWith(prefix)) {
                return true;
            }
        }
        return false;
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
     * separator. Matched here by hand (never a regular expression made from what the client
     * sent), iteratively with backtracking over the last star only: linear in practice.
     */
    static boolean matches(String pattern, String name) {
        return match(pattern, 0, name, 0, 0);
    }

    private static boolean match(String p, int pi, String n, int ni, int depth) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '*' || c == '%') {
                if (depth > 8) {
                    return false; // patterns with many wildcards: no exponential search
                }
                for (int k = ni; k <= n.length(); k++) {
                    if (match(p, pi + 1, n, k, depth + 1)) {
                        return true;
                    }
                    if (k < n.length() && c == '%' && n.charAt(k) == '/') {
                        return false;
                    }
                }
                return false;
            }
            if (ni >= n.length() || n.charAt(ni) != c) {
                return false;
            }
            pi++;
            ni++;
        }
        return ni == n.length();
    }
}
