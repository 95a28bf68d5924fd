package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.core.store.OutboundRepository.QueuedMessage;
import org.postern.core.store.OutboundRepository.Recipient;

@Command(scope = "postern", name = "queue-show",
        description = "Show a queued message's envelope and delivery attempts (never its body)")
@Service
public class QueueShowCommand extends QueueCommand {
    @Argument(index = 0, name = "id", required = true, description = "the queue id")
    String id;

    @Override
    void run() {
        QueuedMessage m = queue().find(id(id)).orElseThrow(() -> new CommandFailure("no queued message " + id));
        out().println("id:           " + m.id());
        out().println("sender:       " + (m.sender().isEmpty() ? "<> (a delivery status notification)" : m.sender()));
        out().println("size:         " + m.size());
        out().println("queued:       " + seconds(m.created()));
        out().println("next attempt: " + seconds(m.nextAttempt()));
        out().println("gives up:     " + seconds(m.expires()));
        out().println("attempts:     " + m.attempts());
        out().println("sending:      " + (m.leaseOwner() == null ? "no" : "by " + m.leaseOwner() + " until "
                + seconds(m.leaseUntil())));
        out().println("recipients:");
        for (Recipient r : m.recipients()) {
            out().printf("  %-9s %s (attempts %d, last %s)%n", r.state(), r.address(), r.attempts(),
                    seconds(r.lastAttempt()));
            if (r.lastReply() != null) {
                out().println("            " + r.lastReply());
            }
        }
    }
}
