package org.postern.core.billing;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;

/**
 * One row of the append-only ledger: never updated, never deleted. It names the account by an
 * opaque reference, never by address; removing the account deletes the link between the two, so
 * the ledger stays whole and names nobody.
 *
 * @param seq the ledger's order, the same on every node
 * @param plan, period, provider, txid, amount, currency for payments (null otherwise)
 * @param expiresBefore, expiresAfter the expire date before and after (null where it is not about it)
 * @param statusAfter the account's status after the row: ACTIVE, LOCKED or REMOVED
 * @param detail the operator's reason for a lock, or a short note (never personal data)
 */
public record LedgerEntry(long seq, String accountRef, Instant occurred, Kind kind, String plan, String period,
        String provider, String txid, BigDecimal amount, String currency, LocalDate expiresBefore, LocalDate expiresAfter,
        String statusAfter, String detail) {

    public enum Kind {
        /** The account's state when the ledger first saw it (its creation, or its first billing event). */
        OPENED,
        /** A payment applied: the expire date moved by the plan's period. */
        PAYMENT,
        /** A payment for a removed account: kept, not applied, to be refunded. */
        PAYMENT_REFUSED,
        /** The expire date moved by the operator or an automatic renewal, without a payment row of its own. */
        EXTENSION,
        /** Locked because the expire date passed; a payment that moves it into the future unlocks. */
        LOCKED_EXPIRED,
        /** Locked by the operator (abuse, a dispute): only the operator unlocks. */
        LOCKED,
        UNLOCKED,
        /** A reminder of the expire date was sent. */
        REMINDER,
        /** An automatic renewal was asked of the provider (claimed before asking: at most once per expire date). */
        RENEWAL,
        /** The account was removed: its data deleted, its reference unlinked. */
        REMOVED,
        /** Money went back (a refused payment, a dispute). */
        REFUND
    }
}
