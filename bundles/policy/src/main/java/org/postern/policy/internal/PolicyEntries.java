package org.postern.policy.internal;

import static org.postern.api.account.AccountException.Reason.INVALID_ENTRY;
import static org.postern.api.account.AccountException.Reason.NOT_ALLOWED;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.postern.api.account.AccountException;
import org.postern.api.address.DomainName;

/**
 * Parses Block List and catch-all entries into the one normal form they are stored and compared
 * in: lower case, IDNs as punycode, no trailing dots, local parts in {@link Addresses} form
 * (SMTPUTF8 accepted, NFC). Every refusal names the entry and says what
 * was expected.
 */
final class PolicyEntries {
    static final String SERVER = "server:";
    /** A host name or {@code server:} pattern, in ASCII: the DNS limit (RFC 1035, 255 octets on the wire). */
    static final int MAX_NAME = 253;
    /** Stars in one {@code server:} pattern; matching stays O(pattern × name) regardless, this keeps patterns readable. */
    static final int MAX_STARS = 8;
    /**
     * Any entry as typed: longer than every valid entry (an address is at most 254 octets, RFC 5321
     * §4.5.3.1.3) with room for spaces, {@code !} and {@code server:}. Refused before any parsing.
     */
    static final int MAX_ENTRY = 320;

    private PolicyEntries() {
    }

    /** {@code local@domain}, {@code @domain} or {@code server:name} (name may hold {@code *}). */
    static String blockEntry(String raw) {
        String s = trim(raw);
        if (s.regionMatches(true, 0, SERVER, 0, SERVER.length())) {
            String name = s.substring(SERVER.length()).trim();
            if (name.isEmpty()) {
                throw invalid(raw, "server: needs a host, domain, TLD or pattern after it, e.g. server:mail.spammer.com");
            }
            return SERVER + serverPattern(raw, name);
        }
        if (s.startsWith("@")) {
            return "@" + domain(raw, s.substring(1), "@ needs a domain after it, e.g. @example.com");
        }
        if (s.indexOf('@') > 0) {
            return address(raw);
        }
        throw invalid(raw, "expected an address (spam@example.com), a domain (@example.com) or server:host");
    }

    /**
     * {@code local}, {@code local@domain}, {@code @domain} or {@code !local@domain}; every domain
     * named must be one the account owns.
     */
    static String catchAllEntry(String raw, Set<String> ownedDomains) {
        String s = trim(raw);
        if (s.startsWith("!")) {
            String rest = s.substring(1).trim();
            if (rest.indexOf('@') <= 0) {
                throw invalid(raw, "! needs a full address after it, e.g. !sales@example.com");
            }
            Addresses.Address a = parse(raw, rest);
            requireOwned(raw, a.domain(), ownedDomains);
            return "!" + a;
        }
        if (s.startsWith("@")) {
            String d = domain(raw, s.substring(1), "@ needs a domain after it, e.g. @shop.example.com");
            requireOwned(raw, d, ownedDomains);
            return "@" + d;
        }
        if (s.indexOf('@') > 0) {
            Addresses.Address a = parse(raw, s);
            requireOwned(raw, a.domain(), ownedDomains);
            return a.toString();
        }
        if (s.contains("@")) {
            throw invalid(raw, "expected a local part (sales), an address, @domain or !address");
        }
        // A bare local part, ASCII or SMTPUTF8.
        try {
            return Addresses.localPart(s);
        } catch (IllegalArgumentException e) {
            throw invalid(raw, e.getMessage());
        }
    }

    /**
     * Like {@link #catchAllEntry} without the ownership check: the normal form of an entry for a
     * domain the account has since given up, so that it can still be removed.
     */
    static String catchAllEntryAnyDomain(String raw) {
        return catchAllEntry(raw, null);
    }

    private static void requireOwned(String raw, String domain, Set<String> owned) {
        if (owned != null && !owned.contains(domain)) {
            throw new AccountException(NOT_ALLOWED, "'" + raw + "': the account does not own " + domain
                    + " (catch-all rules apply to the account's own domains only)");
        }
    }

    private static String serverPattern(String raw, String name) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (n.isEmpty() || n.startsWith(".") || n.contains("..")) {
            throw invalid(raw, "not a host name or pattern");
        }
        StringBuilder out = new StringBuilder();
        int stars = 0;
        boolean literal = false;
        for (String label : labels(n)) {
            String ascii;
            if (label.indexOf('*') >= 0) {
                ascii = label.toLowerCase(Locale.ROOT);
                for (int i = 0; i < ascii.length(); i++) {
                    char c = ascii.charAt(i);
                    if (c == '*') {
                        stars++;
                    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
                        literal = true;
                    } else {
                        throw invalid(raw, "a pattern label may hold letters, digits, '-' and '*' only");
                    }
                }
            } else {
                try {
                    ascii = org.postern.api.address.DomainName.normalizeLabels(label);
                } catch (IllegalArgumentException e) {
                    throw invalid(raw, "not a host name or pattern");
                }
                if (ascii.isEmpty() || ascii.length() > 63) {
                    throw invalid(raw, "not a host name or pattern");
                }
                literal = true;
            }
            if (out.length() > 0) {
                out.append('.');
            }
            out.append(ascii);
        }
        if (!literal) {
            throw invalid(raw, "a pattern must name something besides '*'");
        }
        if (stars > MAX_STARS) {
            throw invalid(raw, "at most " + MAX_STARS + " '*' in a pattern");
        }
        if (out.length() > MAX_NAME) {
            throw invalid(raw, "longer than " + MAX_NAME + " characters (the longest host name)");
        }
        return out.toString();
    }

    /** The dot-separated labels of a name with no empty label (checked by the caller). */
    private static List<String> labels(String name) {
        List<String> labels = new ArrayList<>();
        int start = 0;
        for (int dot; (dot = name.indexOf('.', start)) >= 0; start = dot + 1) {
            labels.add(name.substring(start, dot));
        }
        labels.add(name.substring(start));
        return labels;
    }

    private static String address(String raw) {
        return parse(raw, trim(raw)).toString();
    }

    private static Addresses.Address parse(String raw, String text) {
        try {
            return Addresses.parse(text);
        } catch (IllegalArgumentException e) {
            throw invalid(raw, e.getMessage());
        }
    }

    private static String domain(String raw, String text, String emptyMessage) {
        if (text.isBlank()) {
            throw invalid(raw, emptyMessage);
        }
        try {
            return DomainName.normalize(text);
        } catch (IllegalArgumentException e) {
            throw invalid(raw, e.getMessage());
        }
    }

    private static String trim(String raw) {
        if (raw == null || raw.isBlank()) {
            throw invalid(String.valueOf(raw), "empty entry");
        }
        String s = raw.trim();
        if (s.length() > MAX_ENTRY) {
            throw new AccountException(INVALID_ENTRY, "invalid entry '" + s.substring(0, 40) + "…': longer than "
                    + MAX_ENTRY + " characters (no address or host name is that long)");
        }
        return s;
    }

    private static AccountException invalid(String raw, String why) {
        return new AccountException(INVALID_ENTRY, "invalid entry '" + raw + "': " + why);
    }
}
