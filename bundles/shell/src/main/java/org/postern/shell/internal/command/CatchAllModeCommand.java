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
        // Exactly "block" or "whitelist" in ASCII letters: no trimming and no Unicode case folding
        // ("whıtelist" with a dotless i folds to WHITELIST), so the command ACL's regex, which
        // sends every change to the admin role, sees exactly what this command acts on.
        CatchAllMode m;
        if (mode.equalsIgnoreCase("block") && mode.chars().allMatch(c -> c < 0x80)) {
            m = CatchAllMode.BLOCK;
        } else if (mode.equalsIgnoreCase("whitelist") && mode.chars().allMatch(c -> c < 0x80)) {
            m = CatchAllMode.WHITELIST;
        } else {
            throw new CommandFailure("mode must be block or whitelist");
        }
        r.setCatchAllMode(account, m);
        out().println("catch-all mode of " + account + " is now " + m.name().toLowerCase(Locale.ROOT));
    }
}
