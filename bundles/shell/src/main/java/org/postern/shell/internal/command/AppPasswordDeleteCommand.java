package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.Account;
import org.postern.core.auth.AppPasswords;

@Command(scope = "postern", name = "app-password-delete",
        description = "Delete an app password: its next login fails and its open sessions are closed")
@Service
public class AppPasswordDeleteCommand extends AppPasswordCommand {
    @Argument(index = 1, name = "name", required = true, description = "as app-password-list shows it")
    String name;

    @Override
    void run(Account a, AppPasswords passwords) {
        if (!passwords.delete(a.id(), name)) {
            throw new CommandFailure(a.address() + " has no app password named '" + name + "'");
        }
        out().println("app password '" + name + "' of " + a.address() + " deleted; its sessions are closed");
    }
}
