package org.postern.core.store;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;
import org.postern.core.billing.LedgerEntry;
import org.postern.core.billing.PaymentOutcome;
import org.postern.core.billing.Plan;

/**
 * Plans and the append-only ledger (V020), and the account changes billing makes: each change
 * and its ledger row in one transaction, the account's row locked first, so two nodes applying
 * payments or locks to one account take turns. An account is named here by its id; the ledger
 * names it by an opaque reference made at its first billing event and unlinked when it is removed.
 *
 * @since 1.11
 */
@ProviderType
public interface BillingRepository {
    List<Plan> plans();

    Optional<Plan> plan(String name);

    /** @throws DuplicateKeyException when a plan of that name exists */
    void addPlan(Plan plan, Instant now);

    boolean removePlan(String name);

    /**
     * Applies the payment unless (provider, txid) was applied before (then the first outcome's row
     * is returned as {@code DUPLICATE}). The expire date moves by the plan's period from the
     * account's expire date (or from {@code today} when it has none); a LOCKED_EXPIRED account
     * whose new date is after {@code today} is unlocked in the same transaction.
     *
     * @throws StoreException when there is no such account
     */
    PaymentOutcome applyPayment(String accountId, Plan plan, String provider, String txid, BigDecimal amount, String currency,
            Instant now, LocalDate today);

    /**
     * Locks an ACTIVE account ({@code expired}: because its expire date passed, with kind
     * LOCKED_EXPIRED; else by the operator, kind LOCKED, which also turns an expiry lock into an
     * operator's). Nothing is written when the account is already locked the same way.
     *
     * @return the row written, or empty when nothing changed
     */
    Optional<LedgerEntry> lock(String accountId, boolean expired, String reason, Instant now);

    /**
     * Locks an ACTIVE account whose expire date is on or before {@code today}, checked under the
     * account's row lock: a payment that moved the date meanwhile keeps it active.
     *
     * @return the LOCKED_EXPIRED row written, or empty when nothing changed
     */
    Optional<LedgerEntry> lockExpired(String accountId, LocalDate today, Instant now);

    /**
     * Claims the reminder sent {@code days} before {@code expires}: a REMINDER row, written only
     * when the account is ACTIVE, its expire date is still {@code expires}, and no such reminder
     * was claimed before (by this node or another).
     *
     * @return the row, or empty when the reminder is not to be sent
     */
    Optional<LedgerEntry> claimReminder(String accountId, LocalDate expires, int days, Instant now);

    /**
     * Claims the automatic renewal of an ACTIVE account at its expire date {@code expires}
     * (on or before {@code today}): a RENEWAL row naming the plan and provider, written once per
     * expire date whichever node asks first.
     *
     * @return the row (its {@code accountRef} is what the provider is told), or empty when another
     *         claimed it or the account changed
     */
    Optional<LedgerEntry> claimRenewal(String accountId, LocalDate expires, String plan, String provider, LocalDate today,
            Instant now);

    /** @return the row written, or empty when the account was not locked */
    Optional<LedgerEntry> unlock(String accountId, Instant now);

    /** The account's ledger, oldest first; empty when it has no reference (never billed, or removed). */
    List<LedgerEntry> ledger(String accountId);

    /** Every account with a ledger: its id and the expire date and status its ledger says, for a check. */
    List<Replayed> replayAll();

    /** An account as its ledger says it is, beside what its row says. */
    record Replayed(String accountId, LocalDate ledgerExpires, String ledgerStatus, LocalDate accountExpires,
            String accountStatus) {
        public boolean matches() {
            return java.util.Objects.equals(ledgerExpires, accountExpires) && ledgerStatus.equals(accountStatus);
        }
    }
}
