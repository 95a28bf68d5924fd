package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.policy.PolicyRules;

@Command(scope = "postern", name = "block-remove", description = "Remove a Block List entry")
@Service
public class BlockRemoveCommand extends AccountPolicyCommand {
    @Argument(index = 1, name = "entry", required = true, description = "quote entries that start with ! ('!sales@example.com')")
    String entry;

    @Override
    void run(PolicyRules r) {
        r.removeBlockEntry(account, entry);
        out().println(entry + " removed from the Block List of " + account);
    }
}
