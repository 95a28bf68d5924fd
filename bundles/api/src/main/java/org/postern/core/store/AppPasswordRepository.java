package org.postern.core.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * App password rows. Used by the auth bundle only. Inserting and deleting announce
 * {@link ChangeListener#ACCOUNT} for the account (bridge mode and live sessions depend on them);
 * recording a use does not.
 */
@ProviderType
public interface AppPasswordRepository {
    /**
     * @throws DuplicateKeyException when the account has one of that name
     * @throws org.postern.api.mail.AccountGoneException when the account does not exist or is removed
     */
    void insert(AppPasswordRecord record);

    Optional<AppPasswordRecord> bySecretHash(String secretHash);

    Optional<AppPasswordRecord> byId(String id);

    /** The account's app passwords, by name. */
    List<AppPasswordRecord> byAccount(String accountId);

    boolean hasAny(String accountId);

    /** @return false when the account has none of that name */
    boolean delete(String accountId, String name);

    /** Records a use; not announced (nothing is cached from it). */
    void recordUse(String id, Instant when);

    /** How many app passwords were hashed with another key than {@code keyId} (a misconfigured node). */
    long countMadeWithOtherKey(String keyId);
}
