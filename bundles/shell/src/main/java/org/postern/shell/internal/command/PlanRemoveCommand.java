package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "postern", name = "plan-remove", description = "Stop offering a plan (payments made for it keep their ledger rows)")
@Service
public class PlanRemoveCommand extends BillingCommand {
    @Argument(index = 0, name = "name", required = true)
    String name;

    @Override
    void runBilling() {
        if (!billing().removePlan(name)) {
            throw new IllegalArgumentException("there is no plan named " + name);
        }
        out().println("plan " + name + " removed");
    }
}
