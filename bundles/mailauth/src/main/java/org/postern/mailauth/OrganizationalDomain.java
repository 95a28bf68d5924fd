package org.postern.mailauth;

import com.google.common.net.InternetDomainName;
import java.util.Locale;

/**
 * The organizational domain of RFC 7489 §3.2: the public suffix of a name plus one label, from
 * the Public Suffix List that Guava compiles in (ICANN and private sections both, as the list's
 * own rules say: {@code a.github.io} and {@code b.github.io} are different organizations). Also
 * what the webmail's "block this registrable domain" will offer.
 */
public final class OrganizationalDomain {
    private OrganizationalDomain() {
    }

    /**
     * The organizational domain of {@code domain} (lower case, no trailing dot). A name that is
     * itself a public suffix, or is under none the list knows, is its own organizational domain
     * (RFC 7489 §3.2 step 3 with the list's default rule "*").
     */
    public static String of(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        try {
            InternetDomainName name = InternetDomainName.from(d);
            if (name.isUnderPublicSuffix()) {
                return name.topPrivateDomain().toString();
            }
            if (!name.hasPublicSuffix() && name.parts().size() > 1) {
                // an unlisted TLD: the default rule makes the last label the suffix
                int dot = d.lastIndexOf('.', d.lastIndexOf('.') - 1);
                return d.substring(dot + 1);
            }
            return d;
        } catch (IllegalArgumentException | IllegalStateException e) {
            return d;
        }
    }

    /** Relaxed alignment (RFC 7489 §3.1): the same organizational domain. */
    public static boolean relaxedAligned(String a, String b) {
        return of(a).equals(of(b));
    }
}
