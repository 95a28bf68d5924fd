package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.AccountService;
import org.postern.core.billing.BillingService;

@Command(scope = "postern", name = "account-unlock", description = "Make a locked account active again")
@Service
public class AccountUnlockCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Reference(optional = true)
    BillingService billing;

    @Argument(index = 0, name = "address", required = true)
    String address;

    @Override
    void run() {
        if (billing != null) {
            boolean changed;
            try {
                changed = billing.unlock(address).isPresent();
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(e.getMessage());
            }
            out().println("account " + address + (changed ? " unlocked (recorded in the ledger)" : " unlocked (it was not locked)"));
            return;
        }
        require(accounts, "the accounts service").unlock(address);
        out().println("account " + address + " unlocked");
    }
}
