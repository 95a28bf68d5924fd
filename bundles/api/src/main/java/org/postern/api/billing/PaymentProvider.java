package org.postern.api.billing;

import java.math.BigDecimal;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A way money reaches the service, registered as a service with {@link #NAME}: the name its
 * payments carry in the ledger ({@code a-z 0-9 . _ -}, at most 64). Payments a provider learns of
 * by itself are applied through billing (the signed webhook, or the operator's console); this
 * interface is what billing asks of it: the next period of a month-to-month plan.
 */
@ConsumerType
public interface PaymentProvider {
    /** Service property: the provider's name. */
    String NAME = "postern.payment.provider";

    /**
     * Charges the next period of a renewing plan, when the account reaches its expire date. Called
     * at most once per account and expire date, whatever the number of nodes (billing claims the
     * attempt in its ledger first). A refusal, or an exception, is an ordinary expiry: the account
     * locks, and a later payment unlocks it.
     *
     * @param accountRef the opaque reference the ledger names the account by (never its address)
     */
    Charge renew(String accountRef, String plan, BigDecimal amount, String currency);

    /** What a renewal came to: paid with the provider's transaction id, or declined with a reason for the operator. */
    record Charge(boolean paid, String txid, String reason) {
        public static Charge paid(String txid) {
            return new Charge(true, txid, null);
        }

        public static Charge declined(String reason) {
            return new Charge(false, null, reason);
        }
    }
}
