package org.postern.api.address;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Objects;

/**
 * An address in normal form: {@code local@domain}, local part in Unicode NFC and lower-cased,
 * domain in {@link DomainName} form. Two addresses are the same mailbox exactly when they are
 * equal. Local parts may hold non-ASCII characters (RFC 6531 SMTPUTF8); addresses Postern
 * issues are ASCII ({@link #isAscii()}).
 */
public final class MailAddress {
    private static final int MAX_LOCAL = 64;
    private static final int MAX_ADDRESS = 254;

    private final String localPart;
    private final String domain;

    private MailAddress(String localPart, String domain) {
        this.localPart = localPart;
        this.domain = domain;
    }

    /**
     * Parses and normalises an address. Accepts optional angle brackets; the local part must be
     * an RFC 5321 dot-string of atext, where RFC 6531 adds every non-ASCII character but the
     * C1 controls; at most 64 octets in UTF-8. Quoted local parts are refused.
     *
     * @throws IllegalArgumentException with a message fit to show an operator
     */
    public static MailAddress parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no address given");
        }
        String s = text.trim();
        if (s.startsWith("<") && s.endsWith(">")) {
            s = s.substring(1, s.length() - 1);
        }
        int at = s.lastIndexOf('@');
        if (at <= 0 || at == s.length() - 1) {
            throw new IllegalArgumentException("not a mail address (expected local@domain): " + text);
        }
        String local = Normalizer.normalize(s.substring(0, at), Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
        if (!isDotString(local)) {
            throw new IllegalArgumentException("invalid local part in address: " + text);
        }
        String domain;
        try {
            domain = DomainName.normalize(s.substring(at + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid domain in address " + text + ": " + e.getMessage());
        }
        if (local.length() + 1 + domain.length() > MAX_ADDRESS) {
            throw new IllegalArgumentException("address longer than " + MAX_ADDRESS + " characters: " + text);
        }
        return new MailAddress(local, domain);
    }

    /** Same as {@link #parse} but a local part and a domain given apart. */
    public static MailAddress of(String localPart, String domain) {
        return parse(localPart + "@" + domain);
    }

    static boolean isDotString(String local) {
        if (local.isEmpty() || local.getBytes(StandardCharsets.UTF_8).length > MAX_LOCAL
                || local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            return false;
        }
        return local.codePoints().allMatch(MailAddress::isAtext);
    }

    /** RFC 5322 atext plus the dot, and RFC 6531's UTF8-non-ascii (no controls, no spaces). */
    private static boolean isAtext(int c) {
        if (c < 128) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-/=?^_`{|}~.".indexOf(c) >= 0;
        }
        return !Character.isISOControl(c) && !Character.isWhitespace(c) && !Character.isSpaceChar(c)
                && Character.isDefined(c) && Character.getType(c) != Character.SURROGATE
                && Character.getType(c) != Character.FORMAT;
    }

    /** True when the whole address is ASCII: no SMTPUTF8 needed to carry it. */
    public boolean isAscii() {
        for (int i = 0; i < localPart.length(); i++) {
            if (localPart.charAt(i) > 127) {
                return false;
            }
        }
        return true;
    }

    public String localPart() {
        return localPart;
    }

    /** The domain in ASCII (punycode) form. */
    public String domain() {
        return domain;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MailAddress && ((MailAddress) o).localPart.equals(localPart)
                && ((MailAddress) o).domain.equals(domain);
    }

    @Override
    public int hashCode() {
        return Objects.hash(localPart, domain);
    }

    @Override
    public String toString() {
        return localPart + "@" + domain;
    }
}
