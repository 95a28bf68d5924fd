package org.postern.api.address;

import java.net.IDN;
import java.util.Locale;

/**
 * Domain names in the one form every comparison uses: ASCII (IDNs as punycode), lower case, no
 * trailing dot. Static helpers only.
 */
public final class DomainName {
    private static final int MAX_LENGTH = 253;
    private static final int MAX_LABEL = 63;

    private DomainName() {
    }

    /**
     * Normalises a host or domain name.
     *
     * @throws IllegalArgumentException when it is not a syntactically valid DNS name with at
     *         least two labels
     */
    public static String normalize(String name) {
        String ascii = toAscii(name);
        if (ascii.indexOf('.') < 0) {
            throw new IllegalArgumentException("not a domain name (needs at least one dot): " + name);
        }
        return ascii;
    }

    /** Like {@link #normalize} but also accepts a single label, such as a TLD. */
    public static String normalizeLabels(String name) {
        return toAscii(name);
    }

    private static String toAscii(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("empty domain name");
        }
        String s = name.trim();
        if (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        String ascii;
        try {
            ascii = IDN.toASCII(s, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid domain name: " + name);
        }
        if (ascii.isEmpty() || ascii.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("not a valid domain name: " + name);
        }
        for (String label : ascii.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > MAX_LABEL) {
                throw new IllegalArgumentException("not a valid domain name: " + name);
            }
        }
        return ascii;
    }

    /** True when {@code name} is {@code parent} or a name under it, at a label boundary. */
    public static boolean isSameOrUnder(String name, String parent) {
        return name.equals(parent) || name.endsWith("." + parent);
    }
}
