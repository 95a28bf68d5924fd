package org.postern.shell.internal.command;

import java.util.Locale;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.policy.PolicyRules;

@Command(scope = "postern", name = "catchall-list", description = "Show an account's catch-all mode and entries")
@Service
public class CatchAllListCommand extends AccountPolicyCommand {

    @Override
    void run(PolicyRules r) {
        out().println("mode: " + r.catchAllMode(account).name().toLowerCase(Locale.ROOT));
        r.catchAllEntries(account).forEach(out()::println);
    }
}
