package org.postern.mailauth;

/**
 * The SPF verdict (RFC 7208 §2.6) for one identity.
 *
 * @param result NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR or PERMERROR
 * @param identity {@code mailfrom} or {@code helo} (RFC 7208 §2.4: the HELO identity is checked
 *        when the reverse-path is null)
 * @param sender the checked address as the header names it: the MAIL FROM address, or
 *        {@code postmaster@<helo>} for the HELO identity; lower-case domain
 * @param domain the domain whose record was evaluated (lower case, no trailing dot); empty when
 *        there was none to evaluate (a HELO that is an address literal)
 * @param reason a short explanation for logs and the header's comment; never contains a
 *        secret, at most 200 characters
 */
public record SpfResult(AuthResult result, String identity, String sender, String domain, String reason) {
    public SpfResult {
        reason = Text.reason(reason);
    }
}
