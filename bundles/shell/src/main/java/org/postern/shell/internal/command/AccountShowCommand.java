package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.Account;
import org.postern.api.account.AccountService;
import org.postern.api.account.OwnedDomain;
import org.postern.api.mail.Mailboxes;
import org.postern.core.store.MailboxRepository;

@Command(scope = "postern", name = "account-show", description = "Show one account, the domains it owns and its storage (used / limit)")
@Service
public class AccountShowCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Reference(optional = true)
    Mailboxes mailboxes;

    @Reference(optional = true)
    MailboxRepository repository;

    @Argument(index = 0, name = "address", required = true)
    String address;

    @Override
    void run() {
        AccountService service = require(accounts, "the accounts service");
        Account a = service.find(address)
                .orElseThrow(() -> new CommandFailure("no account " + address));
        out().println("address: " + a.address());
        out().println("id:      " + a.id());
        out().println("status:  " + a.status());
        out().println("created: " + a.created());
        out().println("expires: " + (a.expires() == null ? "never" : a.expires()));
        for (OwnedDomain d : service.domains(a.id())) {
            out().println("domain:  " + d.name() + " (" + d.kind() + ")");
        }
        if (mailboxes != null && repository != null) {
            out().println("quota:   " + AccountQuotaCommand.usage(mailboxes.quota(a.id()), repository.quotaBytes(a.id())));
        }
    }
}
