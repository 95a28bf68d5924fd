package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.policy.PolicyRules;

@Command(scope = "postern", name = "block-add", description = "Add a Block List entry: spam@example.com, @example.com, server:host, server:domain, server:tld, server:*.domain")
@Service
public class BlockAddCommand extends AccountPolicyCommand {
    @Argument(index = 1, name = "entry", required = true, description = "quote entries that start with ! ('!sales@example.com')")
    String entry;

    @Override
    void run(PolicyRules r) {
        out().println(r.addBlockEntry(account, entry) + " added to the Block List of " + account);
    }
}
