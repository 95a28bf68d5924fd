package org.postern.api.auth;

import java.net.InetAddress;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Decides every login. Protocols never compare passwords themselves. Every kind of failure
 * (unknown user, bad password, wrong scope, wrong network, expired, locked, rate limited) is the
 * same empty result, so a client cannot tell them apart.
 */
@ProviderType
public interface Authenticator {
    /**
     * @param secret cleared by the implementation after use
     * @return the account id on success
     */
    Optional<String> authenticate(Protocol protocol, String username, char[] secret, InetAddress client);
}
