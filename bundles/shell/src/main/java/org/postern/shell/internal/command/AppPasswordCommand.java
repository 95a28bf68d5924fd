package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.postern.api.account.Account;
import org.postern.api.account.AccountService;
import org.postern.api.account.AccountStatus;
import org.postern.core.auth.AppPasswords;

/** Base of the app-password-* commands: the account by its primary address, and the services. */
abstract class AppPasswordCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Reference(optional = true)
    AppPasswords appPasswords;

    @Argument(index = 0, name = "account", required = true, description = "the account's primary address")
    String account;

    @Override
    final void run() throws Exception {
        AccountService service = require(accounts, "the accounts service");
        AppPasswords passwords = require(appPasswords, "the authentication service (feature postern-auth)");
        Account a = service.find(account).filter(x -> x.status() != AccountStatus.REMOVED)
                .orElseThrow(() -> new CommandFailure("no account " + account));
        run(a, passwords);
    }

    abstract void run(Account a, AppPasswords passwords) throws Exception;
}
