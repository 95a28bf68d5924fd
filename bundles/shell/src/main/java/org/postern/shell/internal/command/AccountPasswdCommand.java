package org.postern.shell.internal.command;

import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.AccountService;

@Command(scope = "postern", name = "account-passwd",
        description = "Set an account's password, read from --password-file or the input")
@Service
public class AccountPasswdCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Argument(index = 0, name = "address", required = true)
    String address;

    /** Refused with an explanation: see {@link PosternCommand#NO_PASSWORD_ON_COMMAND_LINE}. */
    @Option(name = "--password", description = "not accepted (it would leak); use --password-file or the prompt")
    String password;

    @Option(name = "--password-file", description = "read the new password from the first line of this owner-only file")
    String passwordFile;

    @Argument(index = 1, name = "options", multiValued = true, description = "--password-file may also follow the address")
    List<String> tail;

    @Override
    void run() throws Exception {
        AccountService service = require(accounts, "the accounts service");
        password = trailingOption(tail, "--password", password, "--password", "--password-file");
        passwordFile = trailingOption(tail, "--password-file", passwordFile, "--password", "--password-file");
        if (service.find(address).isEmpty()) {
            throw new CommandFailure("no account " + address);
        }
        char[] secret = password(password, passwordFile, "New password for " + address + ": ");
        try {
            service.setPassword(address, secret);
            out().println("password of " + address + " changed");
        } finally {
            clear(secret);
        }
    }
}
