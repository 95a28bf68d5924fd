package org.postern.dav.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The If header of RFC 4918 section 10.4: lists of conditions, untagged (about the request URI)
 * or tagged with a resource. Parsed by hand, character by character, with a length limit: no
 * regular expression sees client input.
 */
record IfHeader(List<TaggedList> lists) {
    /** Longest If header looked at. */
    static final int MAX_LENGTH = 8192;
    /** Most lists, and most conditions in one list. */
    static final int MAX_LISTS = 32;

    /** One condition: a state token ({@code <...>}) or an entity tag ({@code [...]}), maybe negated. */
    record Condition(boolean not, String stateToken, String etag) {
    }

    /** One parenthesized list; {@code resource} is the tag (an absolute URI or a path), null when untagged. */
    record TaggedList(String resource, List<Condition> conditions) {
    }

    /** Every state token the header names: submitted lock tokens (section 10.4.1). */
    List<String> tokens() {
        List<String> out = new ArrayList<>();
        for (TaggedList l : lists) {
            for (Condition c : l.conditions) {
                if (c.stateToken != null) {
                    out.add(c.stateToken);
                }
            }
        }
        return out;
    }

    /** @return empty when the header is malformed (a 400) */
    static Optional<IfHeader> parse(String header) {
        if (header == null || header.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        List<TaggedList> lists = new ArrayList<>();
        String tag = null;
        boolean tagged = false;
        int i = 0;
        int n = header.length();
        while (true) {
            i = skipSpace(header, i);
            if (i >= n) {
                break;
            }
            char c = header.charAt(i);
            if (c == '<') {
                if (!lists.isEmpty() && !tagged) {
                    return Optional.empty(); // a tag after untagged lists
                }
                int end = header.indexOf('>', i);
                if (end < 0) {
                    return Optional.empty();
                }
                tag = header.substring(i + 1, end);
                tagged = true;
                i = end + 1;
                int next = skipSpace(header, i);
                if (next >= n || header.charAt(next) != '(') {
                    return Optional.empty(); // a tag needs at least one list
                }
            } else if (c == '(') {
                if (tagged && tag == null) {
                    return Optional.empty();
                }
                List<Condition> conditions = new ArrayList<>();
                i++;
                while (true) {
                    i = skipSpace(header, i);
                    if (i >= n) {
                        return Optional.empty();
                    }
                    if (header.charAt(i) == ')') {
                        i++;
                        break;
                    }
                    boolean not = false;
                    if (header.regionMatches(true, i, "Not", 0, 3)) {
                        not = true;
                        i = skipSpace(header, i + 3);
                        if (i >= n) {
                            return Optional.empty();
                        }
                    }
                    char d = header.charAt(i);
                    if (d == '<') {
                        int end = header.indexOf('>', i);
                        if (end < 0) {
                            return Optional.empty();
                        }
                        conditions.add(new Condition(not, header.substring(i + 1, end), null));
                        i = end + 1;
                    } else if (d == '[') {
                        int end = header.indexOf(']', i);
                        if (end < 0) {
                            return Optional.empty();
                        }
                        conditions.add(new Condition(not, null, header.substring(i + 1, end)));
                        i = end + 1;
                    } else {
                        return Optional.empty();
                    }
                }
                if (conditions.isEmpty()) {
                    return Optional.empty();
                }
                if (lists.size() >= MAX_LISTS || conditions.size() > MAX_LISTS) {
                    return Optional.empty(); // each tagged list costs lookups: a bound, not a grammar rule
                }
                lists.add(new TaggedList(tagged ? tag : null, List.copyOf(conditions)));
            } else {
                return Optional.empty();
            }
        }
        return lists.isEmpty() ? Optional.empty() : Optional.of(new IfHeader(List.copyOf(lists)));
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }
}
