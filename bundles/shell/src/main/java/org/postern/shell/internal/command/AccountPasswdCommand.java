package org.postern.shell.internal.command;

import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.AccountService;

@Command(scope = "postern", name = "account-passwd",
        description = "Set an account's password; read from the input unless --password is given")
@Service
public class AccountPasswdCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Argument(index = 0, name = "address", required = true)
    String address;

    @Option(name = "--password", description = "the new password (it then stays in shell history: prefer the input)")
    String password;

    @Argument(index = 1, name = "options", multiValued = true, description = "--password may also follow the address")
    List<String> tail;

    @Override
    void run() throws Exception {
        AccountService service = require(accounts, "the accounts service");
        password = trailingOption(tail, "--password", password, "--password");
        if (service.find(address).isEmpty()) {
            throw new CommandFailure("no account " + address);
        }
        char[] secret = password(password, "New password for " + address + ": ");
        try {
            service.setPassword(address, secret);
            out().println("password of " + address + " changed");
        } finally {
            clear(secret);
        }
    }
}
