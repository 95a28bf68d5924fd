package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.AccountService;
import org.postern.core.store.TotpRepository;

/**
 * For a user who lost both the authenticator app and the recovery codes (or an operator who lost
 * the sealing key file): turns the account's two-step login off, so the password alone opens the
 * webmail again. The user should set it up again at once.
 */
@Command(scope = "postern", name = "totp-disable",
        description = "Turn off an account's webmail two-step login (its user lost the app and the recovery codes)")
@Service
public class TotpDisableCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Reference(optional = true)
    TotpRepository totp;

    @Argument(index = 0, name = "address", required = true)
    String address;

    @Override
    void run() {
        String id = require(accounts, "the accounts service").find(address)
                .orElseThrow(() -> new CommandFailure("no account " + address)).id();
        if (!require(totp, "the store's two-step login records").disable(id)) {
            throw new CommandFailure(address + " has no two-step login");
        }
        out().println("two-step login of " + address + " turned off");
    }
}
