package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.AccountService;

@Command(scope = "postern", name = "account-domain-remove", description = "Take a domain away from an account")
@Service
public class AccountDomainRemoveCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Argument(index = 0, name = "address", required = true)
    String address;

    @Argument(index = 1, name = "domain", required = true)
    String domain;

    @Override
    void run() {
        require(accounts, "the accounts service").removeDomain(address, domain);
        out().println(address + " no longer owns " + domain);
    }
}
