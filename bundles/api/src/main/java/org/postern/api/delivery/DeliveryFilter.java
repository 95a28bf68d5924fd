package org.postern.api.delivery;

import java.io.IOException;
import org.osgi.annotation.versioning.ConsumerType;
import org.postern.api.mail.IncomingMessage;

/**
 * Whiteboard SPI: sees every accepted message for a local account before it is stored, in
 * {@code service.ranking} order. PGP encryption is one; a spam scorer is another.
 */
@ConsumerType
public interface DeliveryFilter {
    /** Service property: a short name shown in logs. */
    String NAME = "postern.delivery.filter.name";

    /**
     * @return what to do with the message; {@link FilterOutcome#keep()} to pass it on unchanged
     * @throws IOException to have delivery retried later (the message stays queued)
     */
    FilterOutcome filter(IncomingMessage message) throws IOException;
}
