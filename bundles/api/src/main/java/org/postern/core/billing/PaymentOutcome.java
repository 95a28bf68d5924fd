package org.postern.core.billing;

import java.time.LocalDate;

/**
 * What became of a payment.
 *
 * @param entry the ledger row of the payment: the one written now, or for a duplicate the one
 *        written when it was first applied
 * @param paidUntil the expire date the account is paid up to (null when refused)
 * @param status ACTIVE, LOCKED or REMOVED after the payment
 */
public record PaymentOutcome(Result result, LedgerEntry entry, LocalDate paidUntil, String status) {
    public enum Result {
        /** Applied now. */
        APPLIED,
        /** This provider's transaction was applied before: nothing changed. */
        DUPLICATE,
        /** The account is removed: the payment is recorded for a refund, not applied. */
        REFUSED_REMOVED
    }
}
