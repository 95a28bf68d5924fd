package org.postern.core.store;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;

/** Account rows. Used by the accounts bundle only; everyone else asks {@code AccountService}. */
@ProviderType
public interface AccountRepository {
    /** @throws DuplicateKeyException when the address or id exists (removed accounts included) */
    void insert(AccountRecord account);

    Optional<AccountRecord> byAddress(MailAddress address);

    Optional<AccountRecord> byId(String id);

    /** Every account ordered by domain, then local part. */
    List<AccountRecord> list();

    /** @return false when there is no such account */
    boolean updatePasswordHash(String id, String passwordHash);

    /** @return false when there is no such account */
    boolean updateStatus(String id, AccountStatus status);

    /**
     * In one transaction: status REMOVED, password hash erased, owned domains released, policy
     * lists deleted, every folder and message deleted and their bodies recorded for deletion (the
     * store unlinks them soon after, retrying until they are gone). When this returns, the mail is
     * unreachable and its deletion cannot be forgotten; when it throws, nothing changed.
     *
     * @return false when there is no such account
     */
    boolean markRemoved(String id);

    /**
     * As {@link #markRemoved}, only when the account is LOCKED and its expire date is on or
     * before {@code expiredOnOrBefore}, checked in the same transaction.
     *
     * @since 1.11
     */
    boolean markRemovedIfExpired(String id, java.time.LocalDate expiredOnOrBefore);
}
