package org.postern.shell.internal.command;

import java.util.List;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "postern", name = "billing-check",
        description = "Recompute every account's expire date and status from its ledger and name those that differ")
@Service
public class BillingCheckCommand extends BillingCommand {
    @Override
    void runBilling() {
        List<String> differ = billing().check();
        if (differ.isEmpty()) {
            out().println("the ledger and the accounts agree");
            return;
        }
        for (String d : differ) {
            out().println(d);
        }
        throw new CommandFailure(differ.size() + " account(s) differ from their ledger");
    }
}
