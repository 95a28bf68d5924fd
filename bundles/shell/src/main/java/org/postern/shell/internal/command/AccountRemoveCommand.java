package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.AccountService;

@Command(scope = "postern", name = "account-remove",
        description = "Remove an account for good: its data is deleted and its address answers User unknown")
@Service
public class AccountRemoveCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Argument(index = 0, name = "address", required = true)
    String address;

    @Override
    void run() {
        require(accounts, "the accounts service").remove(address);
        out().println("account " + address + " removed");
    }
}
