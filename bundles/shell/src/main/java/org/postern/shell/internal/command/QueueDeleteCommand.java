package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "postern", name = "queue-delete",
        description = "Remove a queued message without sending it or bouncing it (its body is deleted)")
@Service
public class QueueDeleteCommand extends QueueCommand {
    @Argument(index = 0, name = "id", required = true, description = "the queue id")
    String id;

    @Override
    void run() {
        if (!queue().delete(id(id))) {
            throw new CommandFailure("no queued message " + id);
        }
        out().println(id + " deleted");
    }
}
