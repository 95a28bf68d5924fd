package org.postern.core.auth;

import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;
import org.postern.api.auth.Login;

/**
 * The webmail's login, for Postern's own webmail only: {@code Authenticator.login(WEBMAIL, ...)}
 * with one difference. A LOCKED account whose password is right is not answered as a refusal but
 * named, so that its user (after the second factor) can be told the account expired and how to
 * renew instead of "wrong password". Only a right password learns it: every other refusal is the
 * same empty answer, counted and throttled like any login.
 *
 * @since 1.1
 */
@ProviderType
public interface WebmailAuthenticator {
    /** A login, or the id of a locked account whose password was right, or neither (every other refusal). */
    record Result(Optional<Login> login, Optional<String> lockedAccountId) {
    }

    /** As {@code Authenticator.login}: completes exceptionally with {@code AuthUnavailableException} when it cannot decide now. */
    CompletionStage<Result> login(String username, char[] secret, InetAddress client);
}
