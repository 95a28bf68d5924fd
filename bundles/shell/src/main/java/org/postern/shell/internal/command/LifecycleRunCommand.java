package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.core.billing.Lifecycle;

@Command(scope = "postern", name = "lifecycle-run",
        description = "Run the daily lifecycle now: reminders, locks at expiry, removals; --dry-run prints what it would do")
@Service
public class LifecycleRunCommand extends PosternCommand {
    @Reference(optional = true)
    Lifecycle lifecycle;

    @Option(name = "--dry-run", description = "change nothing, send nothing: print what a run would do")
    boolean dryRun;

    @Override
    void run() {
        Lifecycle.Report r = require(lifecycle, "the lifecycle job (feature postern-billing)").run(dryRun);
        out().println((dryRun ? "dry run" : "run") + " for " + r.today() + ": " + r.actions().size() + " action(s)");
        for (String a : r.actions()) {
            out().println(a);
        }
    }
}
