package org.postern.core.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The webmail's TOTP second factor (RFC 6238) and its one-time recovery codes. Used by the webmail
 * bundle only. The secret arrives sealed (the store never sees it in clear) and recovery codes as
 * hashes. Enabling and disabling announce {@link ChangeListener#ACCOUNT}; using a code does not.
 * An account's rows go with the account ({@code AccountRepository#markRemoved}).
 *
 * @since 1.10
 */
@ProviderType
public interface TotpRepository {
    /** The factor of an account that has enabled TOTP. */
    record Factor(String accountId, String sealedSecret, String keyId, long lastStep, Instant created) {
    }

    Optional<Factor> find(String accountId);

    /**
     * Enables TOTP with a new secret and new recovery codes, replacing any earlier ones.
     *
     * @param lastStep the step of the code the user confirmed enrolment with: it cannot be used again
     * @throws org.postern.api.mail.AccountGoneException when the account does not exist or is removed
     */
    void enable(String accountId, String sealedSecret, String keyId, long lastStep, List<String> recoveryCodeHashes,
            Instant now);

    /** Removes the factor and every recovery code; false when there was none. */
    boolean disable(String accountId);

    /**
     * Accepts a code of time step {@code step} once: true, and {@code step} recorded, only when it is
     * later than every step accepted before (two concurrent logins with one code: one wins).
     */
    boolean useStep(String accountId, long step);

    /** Spends a recovery code: true once per code. */
    boolean useRecoveryCode(String accountId, String codeHash);

    int recoveryCodesLeft(String accountId);
}
