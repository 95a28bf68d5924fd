package org.postern.api.auth;

import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Decides every login (DESIGN section 5). Protocols never compare passwords themselves. Every kind
 * of refusal (unknown user, bad password, wrong scope, wrong network, expired, deleted, locked,
 * rate limited) is the same empty result, so a client cannot tell them apart.
 * <p>
 * The answer is asynchronous: checking an account password costs up to a CPU-second of Argon2id,
 * and a login that failed too often is answered only after a growing delay. Neither may hold a
 * protocol's shared worker thread, so the caller suspends its session until the stage completes.
 */
@ProviderType
public interface Authenticator {
    /**
     * @param username the account's primary address (case and IDN forms as SMTP accepts them)
     * @param secret   an app password (separators and case ignored) or, where DESIGN section 5
     *                 allows it, the account password; cleared by the implementation before the
     *                 stage completes
     * @param client   the address the client connects from: rate limits and app passwords'
     *                 networks apply to it
     * @return completes with the login, or empty for every kind of refusal; completes
     *         exceptionally with {@link AuthUnavailableException} when the server cannot decide
     *         now (store down, too busy): a temporary failure, not a refusal
     */
    CompletionStage<Optional<Login>> login(Protocol protocol, String username, char[] secret, InetAddress client);
}
