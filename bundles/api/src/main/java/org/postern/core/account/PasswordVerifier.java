package org.postern.core.account;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Checks an account password. Only Postern's authentication may ask: a plugin that could call
 * this could guess passwords without any rate limit, so it is not part of {@code AccountService}.
 */
@ProviderType
public interface PasswordVerifier {
    /**
     * True when {@code password} is the account's password and the account may log in. Takes as
     * long for an unknown account as for a known one. The array is cleared.
     *
     * @throws java.util.concurrent.RejectedExecutionException when the server is too busy hashing
     *         (a temporary failure, not a wrong password)
     */
    boolean verifyPassword(String accountId, char[] password);

    /**
     * True when {@code password} is the password of an account that is LOCKED (so it may not log
     * in): the webmail then tells the one who knows it why, instead of "wrong password". False for
     * every other account, taking as long. The array is cleared.
     *
     * @since 1.2
     */
    default boolean verifyLockedPassword(String accountId, char[] password) {
        java.util.Arrays.fill(password, '\0');
        return false;
    }

    /**
     * Something that changes whenever the account's password changes (never the hash itself):
     * logins made with the old password end when it differs. Empty when there is no such account.
     *
     * @since 1.1
     */
    default String passwordStamp(String accountId) {
        return "";
    }
}
