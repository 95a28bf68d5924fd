package org.postern.core.billing;

import java.math.BigDecimal;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Plans, payments and the account lifecycle's state changes, each one a ledger row written in the
 * same transaction as the change it records. Accounts are named by primary address (what an
 * operator types); every refusal is an {@link IllegalArgumentException} with a message for the
 * operator.
 */
@ProviderType
public interface BillingService {
    List<Plan> plans();

    /** @throws IllegalArgumentException when the plan is invalid or one of that name exists */
    void addPlan(Plan plan);

    /** Payments already made keep their rows; the plan is no longer offered. @return false when there was none */
    boolean removePlan(String name);

    /**
     * Applies a payment once per (provider, txid), whatever happens: retries, two nodes, a crash in
     * the middle. The expire date moves by the plan's period from the old expire date, also when
     * the account is locked because it expired; such an account is unlocked when the new date is
     * in the future and stays locked otherwise. A payment for a removed account is recorded for a
     * refund and not applied.
     *
     * @param amount, currency as paid; null takes the plan's price
     * @throws IllegalArgumentException for an unknown account or plan, or a malformed txid
     */
    PaymentOutcome applyPayment(String address, String plan, String provider, String txid, BigDecimal amount, String currency);

    /** Locks the account for the operator's reason (recorded); only {@link #unlock} undoes it. */
    LedgerEntry lock(String address, String reason);

    /** Unlocks a locked account, whatever locked it; empty when it was not locked (nothing is written). */
    java.util.Optional<LedgerEntry> unlock(String address);

    /** The account's ledger, oldest first (empty when it never had a billing event). */
    List<LedgerEntry> ledger(String address);

    /**
     * Recomputes every account's expire date and status from its ledger and compares them with
     * the account's: one line per account that differs, empty when all match.
     */
    List<String> check();
}
