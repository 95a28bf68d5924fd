package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.AccountService;

@Command(scope = "postern", name = "account-lock",
        description = "Lock an account: no logins on any protocol, open sessions closed; its mail is still accepted")
@Service
public class AccountLockCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Argument(index = 0, name = "address", required = true)
    String address;

    @Override
    void run() {
        require(accounts, "the accounts service").lock(address);
        out().println("account " + address + " locked");
    }
}
