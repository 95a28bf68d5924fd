package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.policy.PolicyRules;

@Command(scope = "postern", name = "block-list", description = "List an account's Block List")
@Service
public class BlockListCommand extends PosternCommand {
    @Reference(optional = true)
    PolicyRules rules;

    @Argument(index = 0, name = "account", required = true, description = "the account's primary address")
    String account;

    @Override
    void run() {
        PolicyRules r = require(rules, "the policy service");
        r.blockList(account).forEach(out()::println);
    }
}
