package org.postern.api.auth;

import org.osgi.annotation.versioning.ProviderType;
import org.postern.api.address.MailAddress;

/**
 * A successful login, held for as long as the session it opened. The authenticator keeps watching
 * the credential: when the app password is deleted or expires, the account is locked or removed,
 * or the account password stops being valid for this protocol (bridge mode ended), the login is
 * revoked and the session must end. Close it when the session ends, however it ends, so that
 * nothing is kept for it.
 */
@ProviderType
public interface Login extends AutoCloseable {
    String accountId();

    /** The account's primary address. */
    MailAddress address();

    Protocol protocol();

    /** True once revoked; a revoked login never becomes valid again. */
    boolean isRevoked();

    /**
     * Runs {@code action} once when this login is revoked (at once, on the calling thread, when it
     * already is). Actions run on the authenticator's thread: close the session, do not block.
     */
    void onRevoked(Runnable action);

    /** The session ended: forget this login. Idempotent; runs no revocation action. */
    @Override
    void close();
}
