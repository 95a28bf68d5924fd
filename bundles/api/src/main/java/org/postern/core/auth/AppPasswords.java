package org.postern.core.auth;

import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;
import org.postern.api.auth.Protocol;

/**
 * An account's app passwords (DESIGN section 5): made by the server, shown once, kept only as a
 * keyed hash. Refusals are {@link org.postern.api.account.AccountException}s with a message fit
 * for the operator and the user.
 */
@ProviderType
public interface AppPasswords {
    /** Longest name, in characters. */
    int MAX_NAME = 64;
    /** Most networks one app password may be restricted to. */
    int MAX_NETWORKS = 16;

    /**
     * @param protocols one or more of IMAP, POP3, SMTP, DAV (never WEBMAIL)
     * @param networks  CIDR networks (IPv4 or IPv6, a bare address is a /32 or /128) the password
     *                  works from; empty: anywhere
     * @param expires   the last day (UTC) it works; {@code null}: until deleted
     * @return the new password's description and its secret, which is not kept anywhere else
     */
    NewAppPassword create(String accountId, String name, Set<Protocol> protocols, List<String> networks,
            LocalDate expires);

    /** The account's app passwords by name; never a secret or a hash. */
    List<AppPassword> list(String accountId);

    /**
     * Deletes one: logins with it fail at once and sessions opened with it are closed.
     *
     * @return false when the account has no app password of that name
     */
    boolean delete(String accountId, String name);
}
