package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.AccountService;
import org.postern.api.account.OwnedDomain;

@Command(scope = "postern", name = "account-domain-add",
        description = "Give an account a custom domain or an alias subdomain (every address at it reaches the account)")
@Service
public class AccountDomainAddCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Argument(index = 0, name = "address", required = true)
    String address;

    @Argument(index = 1, name = "domain", required = true)
    String domain;

    @Override
    void run() {
        OwnedDomain d = require(accounts, "the accounts service").addDomain(address, domain);
        out().println(address + " now owns " + d.name() + " (" + d.kind() + ")");
    }
}
