package org.postern.shell.internal.command;

import java.util.Locale;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.policy.CatchAllMode;
import org.postern.api.policy.PolicyRules;

@Command(scope = "postern", name = "catchall-mode", description = "Set (or show) how an account's domains treat unlisted addresses: block (deliver all but the listed) or whitelist (only the listed)")
@Service
public class CatchAllModeCommand extends AccountPolicyCommand {
    @Argument(index = 1, name = "mode", required = false, description = "block or whitelist")
    String mode;

    @Override
    void run(PolicyRules r) {
        if (mode == null) {
            out().println(r.catchAllMode(account).name().toLowerCase(Locale.ROOT));
            return;
        }
        CatchAllMode m;
        try {
            m = CatchAllMode.valueOf(mode.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("mode must be block or whitelist, not '" + mode + "'");
        }
        r.setCatchAllMode(account, m);
        out().println("catch-all mode of " + account + " is now " + m.name().toLowerCase(Locale.ROOT));
    }
}
