package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.policy.PolicyRules;

@Command(scope = "postern", name = "block-list", description = "List an account's Block List")
@Service
public class BlockListCommand extends AccountPolicyCommand {

    @Override
    void run(PolicyRules r) {
        r.blockList(account).forEach(out()::println);
    }
}
