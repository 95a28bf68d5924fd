package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "postern", name = "notice-remove", description = "Remove a notice (its id from postern:notice-list)")
@Service
public class NoticeRemoveCommand extends NoticeCommand {
    @Argument(index = 0, name = "id", required = true, description = "the notice's id")
    String id;

    @Override
    void run() {
        if (id == null || !id.matches("[0-9a-f]{32}") || !notices().remove(id)) {
            throw new CommandFailure("no notice " + id);
        }
        out().println("notice " + id + " removed");
    }
}
