package org.postern.mime;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 5322 address lists (with the obsolete forms RFC 5322 §4.4 still asks readers to accept)
 * into RFC 3501 address structures: {@code (name adl mailbox host)}, a group as
 * {@code (NIL NIL "group" NIL)} ... {@code (NIL NIL NIL NIL)}. Lenient, never throws; bounded
 * by the length of its input.
 */
final class Addresses {
    private Addresses() {
    }

    /** One address structure; nulls are NIL. */
    record Address(String name, String route, String mailbox, String host) {
    }

    /** What an address without a domain gets as its host (RFC 3501: NIL host means a group). */
    static final String MISSING_DOMAIN = "MISSING_DOMAIN";
    static final String MISSING_MAILBOX = "MISSING_MAILBOX";

    private enum T { WORD, QUOTED, LITERAL, SPECIAL }

    private record Tok(T kind, String text) {
        boolean is(char c) {
            return kind == T.SPECIAL && text.charAt(0) == c;
        }
    }

    static void parse(String value, List<Address> out, int max) {
        List<Tok> toks = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        tokenize(value, toks, comments);
        new Addresses.P(toks, comments, out, max).list();
    }

    private static void tokenize(String s, List<Tok> toks, List<String> comments) {
        MimeValues.Cursor c = new MimeValues.Cursor(s);
        int i = 0;
        int n = s.length();
        while (i < n) {
            char ch = s.charAt(i);
            if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
                i++;
            } else if (ch == '(') {
                int[] end = {i};
                comments.add(comment(s, end));
                // a comment marks a position between tokens: record it as a token-less marker
                toks.add(new Tok(T.SPECIAL, "(" ));
                i = end[0];
            } else if (ch == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while (i < n) {
                    char q = s.charAt(i++);
                    if (q == '"') {
                        break;
                    }
                    if (q == '\\' && i < n) {
                        q = s.charAt(i++);
                    }
                    b.append(q);
                }
                toks.add(new Tok(T.QUOTED, b.toString()));
            } else if (ch == '[') {
                int start = i;
                while (i < n && s.charAt(i) != ']') {
                    i += s.charAt(i) == '\\' && i + 1 < n ? 2 : 1;
                }
                i = Math.min(n, i + 1);
                toks.add(new Tok(T.LITERAL, s.substring(start, i)));
            } else if (",;:<>@".indexOf(ch) >= 0) {
                toks.add(new Tok(T.SPECIAL, String.valueOf(ch)));
                i++;
            } else {
                int start = i;
                while (i < n && " \t\r\n()\",;:<>@[".indexOf(s.charAt(i)) < 0) {
                    i++;
                }
                if (i == start) {
                    i++; // a stray ']' or '>'
                    continue;
                }
                toks.add(new Tok(T.WORD, s.substring(start, i)));
            }
        }
        c.atEnd();
    }

    private static String comment(String s, int[] at) {
        return MimeValues.comment(s, at).trim();
    }

    /** The parser over tokens; '(' tokens stand for comments, in order. */
    private static final class P {
        private final List<Tok> t;
        private final List<String> comments;
        private final List<Address> out;
        private final int max;
        private int i;
        private int commentIndex;

        P(List<Tok> t, List<String> comments, List<Address> out, int max) {
            this.t = t;
            this.comments = comments;
            this.out = out;
            this.max = max;
        }

        private Tok peek() {
            return i < t.size() ? t.get(i) : null;
        }

        private void add(Address a) {
            if (out.size() < max) {
                out.add(a);
            }
        }

        void list() {
            while (i < t.size()) {
                address(false);
                Tok k = peek();
                if (k != null && (k.is(',') || k.is(';') || k.is('>'))) {
                    i++;
                }
            }
        }

        /** One mailbox or group, up to (not including) a top-level ',' (or ';' inside a group). */
        private void address(boolean inGroup) {
            List<String> phrase = new ArrayList<>();
            String lastComment = null;
            while (true) {
                Tok k = peek();
                if (k == null || k.is(',') || k.is(';') || k.is('>')) {
                    if (!phrase.isEmpty()) {
                        // a bare local part: "undisclosed" or "user" with no domain
                        add(new Address(lastComment, null, String.join("", phrase), MISSING_DOMAIN));
                    }
                    return;
                }
                if (k.is('(')) {
                    lastComment = comments.get(commentIndex++);
                    i++;
                    continue;
                }
                if (k.is(':')) {
                    i++;
                    if (inGroup) {
                        continue; // nested group syntax: ignore the colon
                    }
                    add(new Address(null, null, phrase.isEmpty() ? "" : String.join(" ", phrase), null));
                    while (peek() != null && !peek().is(';')) {
                        address(true);
                        Tok n = peek();
                        if (n != null && (n.is(',') || n.is('>'))) {
                            i++;
                        }
                    }
                    if (peek() != null) {
                        i++; // ';'
                    }
                    add(new Address(null, null, null, null));
                    return;
                }
                if (k.is('<')) {
                    i++;
                    angle(phrase.isEmpty() ? lastComment : String.join(" ", phrase));
                    // skip anything up to the separator (a trailing comment names nothing more)
                    skipToSeparator();
                    return;
                }
                if (k.is('@')) {
                    i++;
                    String local = String.join("", phrase);
                    String domain = domain();
                    // "a@b (Name)": a comment after the address is its name
                    String name = lastComment;
                    while (peek() != null && peek().is('(')) {
                        name = comments.get(commentIndex++);
                        i++;
                    }
                    add(new Address(name == null || name.isEmpty() ? null : name, null,
                            local.isEmpty() ? MISSING_MAILBOX : local, domain));
                    skipToSeparator();
                    return;
                }
                phrase.add(k.text());
                i++;
            }
        }

        private void skipToSeparator() {
            while (peek() != null && !peek().is(',') && !peek().is(';')) {
                if (peek().is('(')) {
                    commentIndex++;
                }
                i++;
            }
        }

        private String domain() {
            StringBuilder b = new StringBuilder();
            while (peek() != null && (peek().kind() == T.WORD || peek().kind() == T.LITERAL
                    || peek().kind() == T.QUOTED)) {
                b.append(peek().text());
                i++;
            }
            return b.length() == 0 ? MISSING_DOMAIN : b.toString();
        }

        /** After '<': [route ':'] local '@' domain '>'. */
        private void angle(String name) {
            StringBuilder route = new StringBuilder();
            // obsolete route: @a,@b:
            int save = i;
            while (peek() != null && peek().is('@')) {
                i++;
                String d = domain();
                if (route.length() > 0) {
                    route.append(',');
                }
                route.append('@').append(d);
                while (peek() != null && peek().is(',')) {
                    i++;
                }
            }
            if (route.length() > 0) {
                if (peek() != null && peek().is(':')) {
                    i++;
                } else {
                    i = save;
                    route.setLength(0);
                }
            }
            StringBuilder local = new StringBuilder();
            while (peek() != null && (peek().kind() == T.WORD || peek().kind() == T.QUOTED)) {
                local.append(peek().text());
                i++;
            }
            String domain = null;
            if (peek() != null && peek().is('@')) {
                i++;
                domain = domain();
            }
            while (peek() != null && !peek().is('>') && !peek().is(',') && !peek().is(';')) {
                if (peek().is('(')) {
                    commentIndex++;
                }
                i++;
            }
            if (peek() != null && peek().is('>')) {
                i++;
            }
            if (local.length() == 0 && domain == null && name == null) {
                return; // "<>"
            }
            add(new Address(name == null || name.isEmpty() ? null : name,
                    route.length() == 0 ? null : route.toString(),
                    local.length() == 0 ? MISSING_MAILBOX : local.toString(),
                    domain == null ? MISSING_DOMAIN : domain));
        }
    }
}
