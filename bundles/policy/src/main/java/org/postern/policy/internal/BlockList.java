package org.postern.policy.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One account's Block List, compiled for lookups whose cost does not depend on how many entries
 * there are: addresses and sender domains are hash lookups; {@code server:} names are looked up
 * once per label suffix of the server's name (a host has at most 127 labels); patterns are
 * bucketed by their literal tail after the last {@code *}, so only patterns that could match
 * that tail are tried, each by {@link Glob} in at most (pattern length × name length) steps.
 */
final class BlockList {
    private final Set<String> addresses = new HashSet<>();
    private final Set<String> senderDomains = new HashSet<>();
    /** {@code server:x}: x and every name under it, at label boundaries. */
    private final Set<String> serverSuffixes = new HashSet<>();
    /** Patterns keyed by the label-aligned tail after their last '*' ("" when none). */
    private final Map<String, List<String>> patternsByTail = new HashMap<>();
    private final int size;

    private BlockList(Collection<String> entries) {
        for (String e : entries) {
            if (e.startsWith(PolicyEntries.SERVER)) {
                String name = e.substring(PolicyEntries.SERVER.length());
                if (name.indexOf('*') >= 0) {
                    patternsByTail.computeIfAbsent(tailKey(name), k -> new ArrayList<>()).add(name);
                } else {
                    serverSuffixes.add(name);
                }
            } else if (e.startsWith("@")) {
                senderDomains.add(e.substring(1));
            } else {
                addresses.add(e);
            }
        }
        this.size = entries.size();
    }

    /** @param entries in {@link PolicyEntries#blockEntry} normal form */
    static BlockList compile(Collection<String> entries) {
        return new BlockList(entries);
    }

    int size() {
        return size;
    }

    /**
     * @param sender the envelope sender from {@link Addresses#sender}, null for the null sender
     *        (or one without any domain)
     * @param serverNames the sending server's identities, in any form (normalised here)
     */
    boolean blocks(Addresses.Address sender, List<String> serverNames) {
        if (sender != null && (addresses.contains(sender.toString()) || senderDomains.contains(sender.domain()))) {
            return true;
        }
        for (String raw : serverNames) {
            String name = normalizeHost(raw);
            if (name != null && blocksServer(name)) {
                return true;
            }
        }
        return false;
    }

    private boolean blocksServer(String name) {
        List<String> anywhere = patternsByTail.get("");
        if (anywhere != null && matchesAny(anywhere, name)) {
            return true;
        }
        // name, then each parent at a label boundary: a.mail.spammer.com, mail.spammer.com, spammer.com, com
        for (String suffix = name; ; suffix = suffix.substring(suffix.indexOf('.') + 1)) {
            if (serverSuffixes.contains(suffix)) {
                return true;
            }
            List<String> candidates = patternsByTail.get(suffix);
            if (candidates != null && matchesAny(candidates, name)) {
                return true;
            }
            if (suffix.indexOf('.') < 0) {
                break;
            }
        }
        return false;
    }

    private static boolean matchesAny(List<String> patterns, String name) {
        for (String p : patterns) {
            if (Glob.matches(p, name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The part of a pattern after the label boundary that follows its last '*':
     * {@code *.spammer.com} and {@code mx*.spammer.com} give {@code spammer.com}; {@code spammer.*}
     * gives "" (tried against every name).
     */
    static String tailKey(String pattern) {
        int star = pattern.lastIndexOf('*');
        int dot = pattern.indexOf('.', star);
        return dot < 0 ? "" : pattern.substring(dot + 1);
    }

    /** Lower case, punycode, no trailing dot; null for what is not a host name (an address literal). */
    static String normalizeHost(String raw) {
        if (raw == null || raw.isBlank() || raw.startsWith("[")) {
            return null;
        }
        String s = raw.trim();
        if (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        String ascii;
        if (s.chars().allMatch(c -> c < 0x80)) {
            ascii = s.toLowerCase(Locale.ROOT); // ASCII names as sent (underscores and all)
        } else {
            try {
                ascii = org.postern.api.address.DomainName.normalizeLabels(s); // the one IDN form (UTS #46)
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return ascii.isEmpty() || ascii.startsWith(".") || ascii.contains("..") ? null : ascii;
    }
}
