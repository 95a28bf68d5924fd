package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.Account;
import org.postern.api.account.AccountService;

@Command(scope = "postern", name = "account-list", description = "List accounts: address, status, expire date")
@Service
public class AccountListCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Override
    void run() {
        for (Account a : require(accounts, "the accounts service").list()) {
            out().printf("%-40s %-8s %s%n", a.address(), a.status(), a.expires() == null ? "never" : a.expires());
        }
    }
}
