package org.postern.mailauth;

/**
 * The verdict for one DKIM-Signature field (RFC 6376 §6.1, results as in RFC 8601 §2.7.1).
 *
 * @param result PASS, FAIL (signature or body hash does not match, body shorter than {@code l=}),
 *        NEUTRAL (a signature this verifier cannot check: unknown algorithm, canonicalization or
 *        query method, rsa-sha1), POLICY (a valid signature past its {@code x=} expiry),
 *        TEMPERROR (the key's DNS lookup failed or timed out) or PERMERROR (malformed signature,
 *        {@code i=} outside {@code d=}, no key, revoked or unusable key, RSA key under 1024 bits)
 * @param domain the {@code d=} tag (lower case), empty when the field has none
 * @param selector the {@code s=} tag, empty when the field has none
 * @param signaturePrefix the first 8 characters of {@code b=} (RFC 6008 {@code header.b}),
 *        telling several signatures of one domain apart; empty when there is no {@code b=}
 * @param algorithm the {@code a=} tag as given, empty when missing
 * @param reason a short explanation, at most 200 characters
 */
public record DkimResult(AuthResult result, String domain, String selector, String signaturePrefix,
        String algorithm, String reason) {
    public DkimResult {
        reason = Text.reason(reason);
    }
}
