package org.postern.api.account;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** The service domains this installation issues addresses at (example.net, example.org, ...). */
@ProviderType
public interface DomainService {
    /**
     * Adds a service domain.
     *
     * @return the normalised name
     * @throws AccountException INVALID_DOMAIN, DUPLICATE (also when an account owns the name)
     */
    String addServiceDomain(String domain);

    /** Service domains in normal form, sorted. */
    List<String> serviceDomains();

    /** True when mail for {@code domain} is delivered here: a service domain or an owned domain. */
    boolean isHosted(String domain);
}
