package org.postern.shell.internal.command;

import java.util.Locale;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.policy.PolicyRules;

@Command(scope = "postern", name = "catchall-list", description = "Show an account's catch-all mode and entries")
@Service
public class CatchAllListCommand extends PosternCommand {
    @Reference(optional = true)
    PolicyRules rules;

    @Argument(index = 0, name = "account", required = true, description = "the account's primary address")
    String account;

    @Override
    void run() {
        PolicyRules r = require(rules, "the policy service");
        out().println("mode: " + r.catchAllMode(account).name().toLowerCase(Locale.ROOT));
        r.catchAllEntries(account).forEach(out()::println);
    }
}
