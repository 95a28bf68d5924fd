package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.policy.PolicyRules;

@Command(scope = "postern", name = "catchall-add", description = "Add a catch-all entry: sales, sales@example.com, @example.com (domain exception), !sales@example.com (alias exception)")
@Service
public class CatchAllAddCommand extends AccountPolicyCommand {
    @Argument(index = 1, name = "entry", required = true, description = "quote entries that start with ! ('!sales@example.com')")
    String entry;

    @Override
    void run(PolicyRules r) {
        out().println(r.addCatchAllEntry(account, entry) + " added to the catch-all list of " + account);
    }
}
