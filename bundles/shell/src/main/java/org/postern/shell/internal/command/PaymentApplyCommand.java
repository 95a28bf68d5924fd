package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.core.billing.PaymentOutcome;

@Command(scope = "postern", name = "payment-apply",
        description = "Apply a payment to an account's expire date, once per provider transaction id")
@Service
public class PaymentApplyCommand extends BillingCommand {
    @Argument(index = 0, name = "account", required = true, description = "the account's address")
    String account;

    @Argument(index = 1, name = "plan", required = true)
    String plan;

    @Argument(index = 2, name = "provider", required = true, description = "where the money came from, such as manual or bank")
    String provider;

    @Argument(index = 3, name = "txid", required = true, description = "the provider's transaction id: a second apply is a no-op")
    String txid;

    @Override
    void runBilling() {
        PaymentOutcome o = billing().applyPayment(account, plan, provider, txid, null, null);
        switch (o.result()) {
            case APPLIED -> out().println("payment applied (ledger row " + o.entry().seq() + "): " + account + " is paid up to "
                    + o.paidUntil() + " and " + o.status());
            case DUPLICATE -> out().println("already applied (ledger row " + o.entry().seq() + "): nothing changed; it paid up to "
                    + o.paidUntil());
            case REFUSED_REMOVED -> out().println("not applied: the account was removed. The payment is recorded for a refund "
                    + "(ledger row " + o.entry().seq() + ")");
        }
    }
}
