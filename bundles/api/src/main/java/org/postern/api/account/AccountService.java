package org.postern.api.account;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Accounts and the domains they own. Addresses are given as text and normalised here; every
 * refusal is an {@link AccountException} with an operator-readable message.
 */
@ProviderType
public interface AccountService {
    /**
     * Creates an account with primary address {@code address} at a service domain.
     *
     * @param password cleared by the implementation once hashed
     * @param expires the day the account locks; {@code null} takes the configured initial period
     */
    Account create(String address, char[] password, LocalDate expires);

    /** The account whose primary address this is, in any status (REMOVED included). */
    Optional<Account> find(String address);

    Optional<Account> get(String accountId);

    /** Every account, REMOVED ones included, ordered by address. */
    List<Account> list();

    /** @param password cleared by the implementation once hashed */
    void setPassword(String address, char[] password);


    /**
     * Locks an active account: no login on any protocol (open sessions are closed); mail is still
     * accepted and kept. Idempotent for a locked account.
     *
     * @throws AccountException when there is no such account or it was removed
     */
    void lock(String address);

    /** Makes a locked account active again. Idempotent for an active account. */
    void unlock(String address);

    /** Deletes the account's data; the address is kept as a tombstone and never issued again. */
    void remove(String address);

    /**
     * As {@link #remove}, only when the account is LOCKED with an expire date on or before
     * {@code expiredOnOrBefore}, checked in the removal's own transaction: a payment that moved the
     * date meanwhile saves the account. For the lifecycle job's removal of long-expired accounts.
     *
     * @return true when it was removed now
     * @since 2.2
     */
    boolean removeExpired(String address, LocalDate expiredOnOrBefore);

    /**
     * Gives the account a domain: a custom domain outside every service domain, or an alias
     * subdomain under {@code <local>.<service domain>} of its own primary address.
     */
    OwnedDomain addDomain(String address, String domain);

    void removeDomain(String address, String domain);

    List<OwnedDomain> domains(String accountId);
}
