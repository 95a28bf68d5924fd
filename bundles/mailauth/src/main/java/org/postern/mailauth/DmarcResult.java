package org.postern.mailauth;

/**
 * The DMARC verdict (RFC 7489 §6.6) for a message's From domain.
 *
 * @param result PASS (an aligned SPF or DKIM pass), FAIL, NONE (no DMARC record),
 *        TEMPERROR (the record could not be fetched, or nothing aligned passed while an aligned
 *        check had a temporary error) or PERMERROR (no usable From: none, several From fields,
 *        an address without a domain)
 * @param fromDomain the RFC5322.From domain evaluated (lower case), empty when there was none
 * @param policy the policy the record asks for this domain (the {@code sp=} one for a
 *        subdomain whose own name has no record), {@link Policy#NONE} without a record
 * @param enforce FAIL and the message fell within the record's {@code pct=}: the receiver is
 *        asked to apply {@code policy}; false for every other result
 * @param reason a short explanation, at most 200 characters
 */
public record DmarcResult(AuthResult result, String fromDomain, Policy policy, boolean enforce, String reason) {
    /** The {@code p=} / {@code sp=} values of RFC 7489 §6.3. */
    public enum Policy { NONE, QUARANTINE, REJECT }

    public DmarcResult {
        reason = Text.reason(reason);
    }

    /**
     * Whether the message is to be deferred: the domain publishes p=reject, and whether it passes
     * could not be told (an aligned check had a temporary error). A sender could otherwise make
     * its own DNS fail for a subdomain it signs with and slip past p=reject as {@code temperror}.
     */
    public boolean defers() {
        return result == AuthResult.TEMPERROR && policy == Policy.REJECT;
    }

    /**
     * Whether the message is to be refused: the domain owner's reject policy applies to it, or
     * it has several From fields (a PERMERROR enforced as reject).
     */
    public boolean rejects() {
        return (result == AuthResult.FAIL || result == AuthResult.PERMERROR) && enforce && policy == Policy.REJECT;
    }
}
