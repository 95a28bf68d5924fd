package org.postern.smtp;

import java.net.InetAddress;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Finds the forward-confirmed reverse DNS name of a connecting server: the PTR name of its IP,
 * kept only if that name resolves back to the same IP. The SMTP server uses the highest-ranked
 * service (by {@code service.ranking}); Postern ships a DNS implementation with ranking 0.
 */
@ConsumerType
public interface SendingServerResolver {
    /**
     * @return the confirmed name in lower case without a trailing dot, or null when there is
     *         none, it does not confirm, or the lookup took too long. Must not block for long:
     *         the client waits for its greeting meanwhile.
     */
    String confirmedName(InetAddress address);
}
