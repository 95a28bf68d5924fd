package org.postern.core.store;

import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An account's own preferences: named values the owner chooses in the webmail (its theme, ...).
 * Not announced to other nodes: callers read them at login and when they change them. An
 * account's settings go with the account ({@code AccountRepository#markRemoved}).
 *
 * @since 1.10
 */
@ProviderType
public interface AccountSettingRepository {
    /** The longest name and value kept. */
    int MAX_NAME = 64;
    int MAX_VALUE = 1000;

    Optional<String> get(String accountId, String name);

    Map<String, String> all(String accountId);

    /**
     * Sets (or replaces) a value.
     *
     * @throws IllegalArgumentException for a name or value that is empty or too long
     * @throws org.postern.api.mail.AccountGoneException when the account does not exist or is removed
     */
    void put(String accountId, String name, String value);

    /** @return false when there was no such setting */
    boolean remove(String accountId, String name);
}
