package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.postern.core.billing.BillingService;
import org.postern.core.billing.LedgerEntry;

/** Base of the billing commands: the service is optional, so a command without it says why. */
abstract class BillingCommand extends PosternCommand {
    @Reference(optional = true)
    BillingService billing;

    BillingService billing() {
        return require(billing, "billing (feature postern-billing)");
    }

    @Override
    final void run() throws Exception {
        try {
            runBilling();
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
    }

    abstract void runBilling() throws Exception;

    /** One ledger row on one line: what the operator needs, never the account's address (it has none). */
    static String line(LedgerEntry e) {
        StringBuilder b = new StringBuilder();
        b.append(e.seq()).append("  ").append(e.occurred().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)).append("  ")
                .append(e.kind());
        if (e.plan() != null) {
            b.append("  plan ").append(e.plan()).append(" (").append(e.period()).append(')');
        }
        if (e.provider() != null) {
            b.append("  ").append(e.provider()).append(' ').append(e.txid());
        }
        if (e.amount() != null) {
            b.append("  ").append(e.amount().toPlainString()).append(' ').append(e.currency());
        }
        if (e.expiresBefore() != null || e.expiresAfter() != null) {
            b.append("  expires ").append(e.expiresBefore() == null ? "" : e.expiresBefore() + " -> ")
                    .append(e.expiresAfter() == null ? "-" : e.expiresAfter());
        }
        b.append("  ").append(e.statusAfter());
        if (e.detail() != null) {
            b.append("  ").append(e.detail());
        }
        return b.toString();
    }
}
