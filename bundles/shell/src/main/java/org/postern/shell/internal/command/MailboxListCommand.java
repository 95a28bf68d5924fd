package org.postern.shell.internal.command;

import java.util.Map;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.Account;
import org.postern.api.account.AccountService;
import org.postern.api.mail.MailStore;

/** Counts only: the operator may see how much mail an account holds, never what it is. */
@Command(scope = "postern", name = "mailbox-list", description = "List an account's folders with their message counts")
@Service
public class MailboxListCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Reference(optional = true)
    MailStore mail;

    @Argument(index = 0, name = "account", required = true, description = "the account's primary address")
    String account;

    @Override
    void run() {
        Account a = require(accounts, "the accounts service").find(account)
                .orElseThrow(() -> new CommandFailure("no account " + account));
        for (Map.Entry<String, Long> f : require(mail, "the mail store").folders(a.id()).entrySet()) {
            out().println(f.getKey() + " " + f.getValue());
        }
    }
}
