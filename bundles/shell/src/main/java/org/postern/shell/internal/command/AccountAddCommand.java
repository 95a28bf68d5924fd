package org.postern.shell.internal.command;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.Account;
import org.postern.api.account.AccountService;

@Command(scope = "postern", name = "account-add",
        description = "Create an account; the password is read from --password-file or the input")
@Service
public class AccountAddCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Argument(index = 0, name = "address", required = true, description = "primary address at a service domain")
    String address;

    /** Refused with an explanation: see {@link PosternCommand#NO_PASSWORD_ON_COMMAND_LINE}. */
    @Option(name = "--password", description = "not accepted (it would leak); use --password-file or the prompt")
    String password;

    @Option(name = "--password-file", description = "read the password from the first line of this owner-only file")
    String passwordFile;

    @Option(name = "--expires", description = "expire date YYYY-MM-DD (default: the configured initial period)")
    String expires;

    @Argument(index = 1, name = "options", multiValued = true, description = "--password-file/--expires may also follow the address")
    List<String> tail;

    @Override
    void run() throws Exception {
        AccountService service = require(accounts, "the accounts service");
        password = trailingOption(tail, "--password", password, "--password", "--password-file", "--expires");
        passwordFile = trailingOption(tail, "--password-file", passwordFile, "--password", "--password-file", "--expires");
        expires = trailingOption(tail, "--expires", expires, "--password", "--password-file", "--expires");
        LocalDate expiry = null;
        if (expires != null) {
            try {
                expiry = LocalDate.parse(expires);
            } catch (DateTimeParseException e) {
                throw new CommandFailure("invalid --expires '" + expires + "': expected YYYY-MM-DD");
            }
        }
        char[] secret = password(password, passwordFile, "Password for " + address + ": ");
        try {
            Account a = service.create(address, secret, expiry);
            out().println("account " + a.address() + " created, expires " + a.expires());
        } finally {
            clear(secret);
        }
    }
}
