package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.postern.api.policy.PolicyRules;

/** The postern:block-* and postern:catchall-* commands: each acts on one account's lists. */
abstract class AccountPolicyCommand extends PosternCommand {
    @Reference(optional = true)
    PolicyRules rules;

    @Argument(index = 0, name = "account", required = true, description = "the account's primary address")
    String account;

    @Override
    final void run() {
        run(require(rules, "the policy service"));
    }

    abstract void run(PolicyRules rules);
}
