package org.postern.dns.internal;

import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.postern.api.address.DomainName;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsResolver;
import org.postern.api.dns.SendingServerResolver;

/**
 * Forward-confirmed reverse DNS on the highest-ranked {@link DnsResolver}: the first of its
 * {@link DnsResolver#forwardConfirmedNames confirmed names} (at most
 * {@value DnsResolver#MAX_CONFIRMED_PTR_NAMES} PTR names checked) that is a host name with at least
 * two labels, normalised by {@link DomainName}. Loopback, wildcard and link-local addresses answer
 * empty at once. Bounded by the resolver's timeout twice (PTR, then the forward lookups in
 * parallel).
 */
@Component(service = SendingServerResolver.class,
        property = {"service.ranking:Integer=0", org.postern.api.smtp.CoreService.PROPERTY + "=true"})
public class DnsSendingServerResolver implements SendingServerResolver {
    private final DnsResolver dns;

    @Activate
    public DnsSendingServerResolver(@Reference(policyOption = ReferencePolicyOption.GREEDY,
            target = org.postern.api.smtp.CoreService.TARGET) DnsResolver dns) {
        this.dns = dns;
    }

    @Override
    public CompletionStage<Optional<String>> confirmedName(InetAddress address) {
        if (address == null || address.isLoopbackAddress() || address.isAnyLocalAddress()
                || address.isLinkLocalAddress()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        CompletionStage<DnsAnswer<String>> names;
        try {
            names = dns.forwardConfirmedNames(address);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return names.handle((answer, failure) -> failure != null || answer == null
                ? Optional.<String>empty() : first(answer));
    }

    static Optional<String> first(DnsAnswer<String> answer) {
        for (String name : answer.records()) {
            try {
                String n = DomainName.normalizeLabels(name);
                if (n.indexOf('.') > 0) {
                    return Optional.of(n);
                }
            } catch (IllegalArgumentException notAHostName) {
                // next
            }
        }
        return Optional.empty();
    }
}
