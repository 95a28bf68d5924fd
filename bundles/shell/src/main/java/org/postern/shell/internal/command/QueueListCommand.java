package org.postern.shell.internal.command;

import java.util.List;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.core.store.OutboundRepository.QueuedMessage;

@Command(scope = "postern", name = "queue-list",
        description = "List queued outbound messages by next attempt: id, next attempt, attempts, size, sender, recipients pending")
@Service
public class QueueListCommand extends QueueCommand {
    @Option(name = "--limit", description = "most messages listed (default 100)")
    int limit = 100;

    @Override
    void run() {
        long total = queue().count();
        List<QueuedMessage> all = queue().list(Math.max(1, Math.min(limit, 10_000)));
        out().printf("%d message(s) queued%n", total);
        if (all.isEmpty()) {
            return;
        }
        out().printf("%-32s %-20s %-8s %-10s %-9s %s%n", "ID", "NEXT ATTEMPT", "ATTEMPTS", "SIZE", "PENDING", "SENDER");
        for (QueuedMessage m : all) {
            out().printf("%-32s %-20s %-8d %-10d %-9s %s%n", m.id(), seconds(m.nextAttempt()), m.attempts(), m.size(),
                    pending(m) + "/" + m.recipients().size(), m.sender().isEmpty() ? "<>" : m.sender());
        }
    }
}
