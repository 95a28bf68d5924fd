package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.policy.PolicyRules;

@Command(scope = "postern", name = "catchall-remove", description = "Remove a catch-all entry")
@Service
public class CatchAllRemoveCommand extends AccountPolicyCommand {
    @Argument(index = 1, name = "entry", required = true, description = "quote entries that start with ! ('!sales@example.com')")
    String entry;

    @Override
    void run(PolicyRules r) {
        r.removeCatchAllEntry(account, entry);
        out().println(entry + " removed from the catch-all list of " + account);
    }
}
