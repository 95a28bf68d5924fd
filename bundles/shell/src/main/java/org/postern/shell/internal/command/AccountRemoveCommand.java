package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.AccountService;

@Command(scope = "postern", name = "account-remove",
        description = "Remove an account for good: its data is deleted and its address answers User unknown")
@Service
public class AccountRemoveCommand extends PosternCommand {
    @Reference(optional = true)
    AccountService accounts;

    @Argument(index = 0, name = "address", required = true)
    String address;

    @Option(name = "--force", description = "remove without asking (scripts); there is no undo and no backup")
    boolean force;

    @Argument(index = 1, name = "options", multiValued = true, description = "--force may also follow the address")
    java.util.List<String> tail;

    @Override
    void run() {
        if (tail != null) {
            for (String t : tail) {
                if (!t.equals("--force")) {
                    throw new CommandFailure("unexpected argument '" + t + "'");
                }
                force = true;
            }
        }
        AccountService service = require(accounts, "the accounts service");
        if (service.find(address).isEmpty()) {
            throw new CommandFailure("no account " + address);
        }
        if (!force && !confirmed("Remove " + address + " and delete all its mail for good?")) {
            throw new CommandFailure("not removed: " + address + " keeps its mail. Type yes at the prompt, "
                    + "or add --force in scripts (there is no undo)");
        }
        service.remove(address);
        out().println("account " + address + " removed");
    }
}
