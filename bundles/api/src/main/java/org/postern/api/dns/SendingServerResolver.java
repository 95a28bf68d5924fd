package org.postern.api.dns;

import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Finds the forward-confirmed reverse DNS name of a connecting server: a PTR name of its address
 * that resolves back to the same address. The SMTP server asks the highest-ranked service (by
 * {@code service.ranking}); Postern's DNS bundle registers one built on {@link DnsResolver} with
 * ranking 0, and tests or operators may register their own above it.
 */
@ConsumerType
public interface SendingServerResolver {
    /**
     * Returns at once. The stage completes with the first confirmed name, in lower case ASCII
     * without the trailing dot, at most 253 characters, with at least two labels; or empty when
     * there is none, it does not confirm, or the lookup failed or timed out. It completes within a
     * bounded time (Postern's: twice the DNS timeout) and never exceptionally; callers should
     * still treat an exceptional completion as empty. Loopback, wildcard and link-local addresses
     * answer empty at once.
     */
    CompletionStage<Optional<String>> confirmedName(InetAddress address);
}
