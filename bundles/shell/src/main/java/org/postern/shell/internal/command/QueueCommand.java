package org.postern.shell.internal.command;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.postern.core.store.OutboundRepository;
import org.postern.core.store.OutboundRepository.QueuedMessage;
import org.postern.core.store.OutboundRepository.RecipientState;

/**
 * Base of the postern:queue-* commands: the outbound queue as the store keeps it. Envelopes and
 * attempts only, never a body (an operator may see where mail goes, not what it says).
 */
abstract class QueueCommand extends PosternCommand {
    @Reference(optional = true)
    OutboundRepository queue;

    OutboundRepository queue() {
        return require(queue, "the store's outbound queue");
    }

    static String seconds(Instant t) {
        return t == null ? "-" : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static long pending(QueuedMessage m) {
        return m.recipients().stream().filter(r -> r.state() == RecipientState.PENDING).count();
    }

    /** A queue id is 32 lower-case hex characters; anything else is refused before the store sees it. */
    static String id(String id) {
        if (id == null || !id.matches("[0-9a-f]{32}")) {
            throw new CommandFailure("not a queue id (32 hex characters): " + id);
        }
        return id;
    }
}
