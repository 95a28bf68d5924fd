package org.postern.api.account;

import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** Which account, if any, receives mail for an address. */
@ProviderType
public interface AddressResolver {
    /**
     * Resolves an address: its account's primary address, or any local part at a domain the
     * account owns (catch-all). REMOVED accounts and unparseable input resolve to empty; LOCKED
     * accounts still resolve (their mail is kept).
     */
    Optional<Resolution> resolve(String address);
}
