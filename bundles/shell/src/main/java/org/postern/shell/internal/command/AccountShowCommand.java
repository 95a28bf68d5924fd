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

    @Reference(optional = true)
    org.postern.core.billing.BillingService billing;

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
        if (billing != null && a.status() == org.postern.api.account.AccountStatus.LOCKED) {
            // why, from the ledger: the operator's reason, or the expiry
            billing.ledger(a.address().toString()).stream()
                    .filter(e -> e.kind() == org.postern.core.billing.LedgerEntry.Kind.LOCKED
                            || e.kind() == org.postern.core.billing.LedgerEntry.Kind.LOCKED_EXPIRED)
                    .reduce((first, second) -> second)
                    .ifPresent(e -> out().println("locked:  " + (e.kind() == org.postern.core.billing.LedgerEntry.Kind.LOCKED_EXPIRED
                            ? "expired" : "by the operator") + " on " + e.occurred().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                            + (e.detail() == null ? "" : ": " + e.detail())));
        }
        for (OwnedDomain d : service.domains(a.id())) {
            out().println("domain:  " + d.name() + " (" + d.kind() + ")");
        }
        if (mailboxes != null && repository != null) {
            out().println("quota:   " + AccountQuotaCommand.usage(mailboxes.quota(a.id()), repository.quotaBytes(a.id())));
        }
    }
}
