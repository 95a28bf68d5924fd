package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.AccountService;
import org.postern.core.billing.BillingService;

@Command(scope = "postern", name = "account-lock",
        description = "Lock an account: no logins on any protocol, open sessions closed; its mail is still accepted")
@Service
public class AccountLockCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Reference(optional = true)
    BillingService billing;

    @Argument(index = 0, name = "address", required = true)
    String address;

    @Option(name = "--reason", description = "why (abuse, a dispute): kept in the ledger for the operator; a payment never lifts this lock")
    String reason;

    @Argument(index = 1, name = "options", multiValued = true, description = "--reason may also follow the address")
    java.util.List<String> tail;

    @Override
    void run() {
        reason = trailingOption(tail, "--reason", reason, "--reason");
        if (billing != null) {
            try {
                billing.lock(address, reason == null ? "locked by the operator" : reason);
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(e.getMessage());
            }
            out().println("account " + address + " locked (recorded in the ledger)");
            return;
        }
        if (reason != null) {
            throw new CommandFailure("--reason is kept in the ledger, and billing (feature postern-billing) is not running");
        }
        require(accounts, "the accounts service").lock(address);
        out().println("account " + address + " locked");
    }
}
