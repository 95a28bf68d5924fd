package org.postern.core.store;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;
import org.postern.api.account.OwnedDomain;

/** Service domains and owned domains. Used by the accounts bundle only. */
@ProviderType
public interface DomainRepository {
    /** @throws DuplicateKeyException when it exists */
    void insertServiceDomain(String name);

    List<String> serviceDomains();

    boolean isServiceDomain(String name);

    /** @throws DuplicateKeyException when any account owns it already */
    void insertOwnedDomain(OwnedDomain domain);

    Optional<OwnedDomain> ownedDomain(String name);

    List<OwnedDomain> ownedDomains(String accountId);

    /** @return false when the account did not own it */
    boolean deleteOwnedDomain(String accountId, String name);
}
