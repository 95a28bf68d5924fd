package org.postern.shell.internal.command;

import java.time.Instant;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "postern", name = "queue-retry",
        description = "Make a queued message due now (the queue picks it up at its next poll)")
@Service
public class QueueRetryCommand extends QueueCommand {
    @Argument(index = 0, name = "id", required = true, description = "the queue id")
    String id;

    @Override
    void run() {
        if (!queue().retryNow(id(id), Instant.now())) {
            throw new CommandFailure("no queued message " + id);
        }
        out().println(id + " is due now");
    }
}
