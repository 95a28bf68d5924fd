package org.postern.api.address;

import com.ibm.icu.text.IDNA;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Domain names in the one form every comparison uses: ASCII (IDNs as punycode), lower case, no
 * trailing dot. Static helpers only.
 *
 * <p>Internationalised names follow UTS #46 with nontransitional processing (IDNA2008), so
 * {@code faß.de} becomes {@code xn--fa-hia.de} and stays a different name from {@code fass.de}
 * (IDNA2003, and so {@code java.net.IDN}, mapped ß to ss, as it did ς to σ and dropped ZWJ/ZWNJ).
 * Labels keep to STD3 letters, digits and hyphens, with no leading or trailing hyphen; Bidi and
 * CONTEXTJ rules are checked. Hyphens in the third and fourth position are accepted, as DNS
 * lookups do ({@code r3---sn-abc.example} exists): a name that is not valid punycode after
 * {@code xn--} is still refused.
 */
public final class DomainName {
    private static final int MAX_LENGTH = 253;
    private static final int MAX_LABEL = 63;

    /** Thread-safe: ICU's UTS46 instances are immutable. */
    private static final IDNA UTS46 = IDNA.getUTS46Instance(IDNA.NONTRANSITIONAL_TO_ASCII | IDNA.CHECK_BIDI
            | IDNA.CHECK_CONTEXTJ | IDNA.USE_STD3_RULES);
    /** What a lookup tolerates (UTS #46 CheckHyphens=false allows these; leading/trailing hyphens stay refused). */
    private static final Set<IDNA.Error> TOLERATED = EnumSet.of(IDNA.Error.HYPHEN_3_4);

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
        IDNA.Info info = new IDNA.Info();
        String ascii = UTS46.nameToASCII(s, new StringBuilder(s.length() + 8), info).toString()
                .toLowerCase(Locale.ROOT);
        if (info.hasErrors() && !TOLERATED.containsAll(info.getErrors())) {
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
