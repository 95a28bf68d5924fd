package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.core.billing.Plan;

@Command(scope = "postern", name = "plan-list", description = "List the plans payments can be made for")
@Service
public class PlanListCommand extends BillingCommand {
    @Override
    void runBilling() {
        for (Plan p : billing().plans()) {
            out().println(p.name() + "  " + p.period() + "  " + p.price().toPlainString() + " " + p.currency()
                    + (p.renews() ? "  renews" : ""));
        }
    }
}
