package org.postern.policy.internal;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;
import org.postern.api.address.DomainName;

/**
 * Mail addresses in the one form the policy compares them in, whatever the client sent:
 * <ul>
 * <li>local part: Unicode NFC, then lower case ({@link Locale#ROOT}), then NFC again; SMTPUTF8
 * (RFC 6531) local parts are accepted like ASCII ones. A quoted local part whose content is a
 * plain dot-string loses its quotes ({@code "Sales"} is {@code sales}, RFC 5321 §4.1.2); any other
 * keeps them, with only {@code "} and {@code \} escaped.</li>
 * <li>domain: {@link DomainName} form (lower case, punycode, no trailing dot).</li>
 * </ul>
 * {@link org.postern.api.address.MailAddress} (API address 1.1) takes the same non-ASCII local
 * parts in the same NFC lower-case form but refuses quoted ones, and a sender must be matched
 * whatever it is; so the policy matches on this form and hands the resolver its string.
 */
final class Addresses {
    /** RFC 5321 §4.5.3.1.1, in octets (UTF-8 for SMTPUTF8 local parts, RFC 6531 §3.3). */
    static final int MAX_LOCAL_OCTETS = 64;
    /** RFC 5321 §4.5.3.1.3: a path is 256 octets including the angle brackets. */
    static final int MAX_ADDRESS_OCTETS = 254;

    /** A normalised address; {@link #toString()} is {@code local@domain}. */
    record Address(String local, String domain) {
        @Override
        public String toString() {
            return local + "@" + domain;
        }
    }

    private Addresses() {
    }

    /**
     * Strict parse, for entries and recipients.
     *
     * @throws IllegalArgumentException with a message fit for an operator
     */
    static Address parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no address given");
        }
        String s = stripPath(text.trim());
        int at = s.lastIndexOf('@');
        if (at <= 0 || at == s.length() - 1) {
            throw new IllegalArgumentException("not a mail address (expected local@domain): " + text);
        }
        String local = localPart(s.substring(0, at));
        String domain;
        try {
            domain = DomainName.normalize(s.substring(at + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid domain in address " + text + ": " + e.getMessage());
        }
        if (octets(local) + 1 + domain.length() > MAX_ADDRESS_OCTETS) {
            throw new IllegalArgumentException("address longer than " + MAX_ADDRESS_OCTETS + " octets: " + text);
        }
        return new Address(local, domain);
    }

    /**
     * A local part alone, strictly: a dot-string of atext and non-ASCII characters, or a quoted
     * string; at most 64 octets in normal form.
     *
     * @throws IllegalArgumentException with a message fit for an operator
     */
    static String localPart(String raw) {
        String local;
        if (raw.length() >= 2 && raw.startsWith("\"") && raw.endsWith("\"")) {
            String content = fold(unquote(raw));
            local = isDotString(content) ? content : quote(content);
        } else {
            local = fold(raw);
            if (!isDotString(local)) {
                throw new IllegalArgumentException("invalid local part: " + raw);
            }
        }
        if (octets(local) > MAX_LOCAL_OCTETS) {
            throw new IllegalArgumentException("local part longer than " + MAX_LOCAL_OCTETS + " octets: " + raw);
        }
        return local;
    }

    /**
     * The envelope sender as the Block List sees it, leniently: whatever the client sent, as long
     * as it has a domain, it is matched at least by that domain, and by its full address when that
     * normalises equal to an entry. Null for the null sender ({@code <>} or empty) and for text
     * with no domain at all, which only the server rules can judge.
     */
    static Address sender(String text) {
        if (text == null) {
            return null;
        }
        String s = stripPath(text.trim());
        int at = s.lastIndexOf('@');
        if (s.isEmpty() || at < 0 || at == s.length() - 1) {
            return null;
        }
        String rawLocal = s.substring(0, at);
        String local;
        try {
            local = localPart(rawLocal);
        } catch (IllegalArgumentException e) {
            local = fold(rawLocal); // matches no normalised entry, but the domain still does
        }
        return new Address(local, lenientDomain(s.substring(at + 1)));
    }

    /** NFC, lower case, NFC: lower-casing may decompose (U+0130), so normalise after it too. */
    static String fold(String s) {
        String nfc = Normalizer.normalize(s, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
        return Normalizer.normalize(nfc, Normalizer.Form.NFC);
    }

    /** Angle brackets and an RFC 5321 source route ({@code @relay1,@relay2:}) removed. */
    private static String stripPath(String s) {
        if (s.startsWith("<") && s.endsWith(">")) {
            s = s.substring(1, s.length() - 1).trim();
        }
        if (s.startsWith("@")) {
            int colon = s.indexOf(':');
            if (colon > 0) {
                s = s.substring(colon + 1);
            }
        }
        return s;
    }

    private static String lenientDomain(String d) {
        try {
            return DomainName.normalizeLabels(d);
        } catch (IllegalArgumentException e) {
            String s = d.trim();
            if (s.endsWith(".")) {
                s = s.substring(0, s.length() - 1);
            }
            return s.toLowerCase(Locale.ROOT); // not a valid IDN: compared as written
        }
    }

    /** The content of a quoted string; quoted-pairs resolved. */
    private static String unquote(String quoted) {
        StringBuilder out = new StringBuilder(quoted.length());
        for (int i = 1; i < quoted.length() - 1; i++) {
            char c = quoted.charAt(i);
            if (c == '\\') {
                if (++i == quoted.length() - 1) {
                    throw new IllegalArgumentException("invalid quoted local part (ends in a backslash): " + quoted);
                }
                c = quoted.charAt(i);
            } else if (c == '"') {
                throw new IllegalArgumentException("invalid quoted local part (unescaped quote): " + quoted);
            }
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && !allowedNonAscii(quoted, i))) {
                throw new IllegalArgumentException("invalid character in quoted local part: " + quoted);
            }
            out.append(c);
        }
        if (out.length() == 0) {
            throw new IllegalArgumentException("empty quoted local part: " + quoted);
        }
        return out.toString();
    }

    private static String quote(String content) {
        StringBuilder out = new StringBuilder(content.length() + 2).append('"');
        for (int i = 0; i < content.length(); i++) {
            char c = content.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.append('"').toString();
    }

    /** RFC 5321 Dot-string, with RFC 6531's UTF8-non-ascii allowed as atext. */
    static boolean isDotString(String local) {
        if (local.isEmpty() || local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            return false;
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            boolean ok = c < 0x80
                    ? (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                            || "!#$%&'*+-/=?^_`{|}~.".indexOf(c) >= 0
                    : allowedNonAscii(local, i);
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * A non-ASCII character fit for an address: not a control, a format character (zero-width
     * space, direction marks), a separator, an unassigned code point or half a surrogate pair.
     * The same set {@link org.postern.api.address.MailAddress} accepts.
     */
    private static boolean allowedNonAscii(String s, int i) {
        char c = s.charAt(i);
        int cp;
        if (Character.isHighSurrogate(c)) {
            if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                return false;
            }
            cp = Character.toCodePoint(c, s.charAt(i + 1));
        } else if (Character.isLowSurrogate(c)) {
            return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
        } else {
            cp = c;
        }
        switch (Character.getType(cp)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.UNASSIGNED:
            case Character.SPACE_SEPARATOR:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
                return false;
            default:
                return true;
        }
    }

    private static int octets(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
