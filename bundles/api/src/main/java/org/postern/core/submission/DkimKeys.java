package org.postern.core.submission;

import java.io.IOException;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The DKIM signing keys (RFC 6376, RFC 8463) of the domains Postern sends for: made on request,
 * kept as owner-only files under the data directory (every node of a cluster shares them, like
 * the TLS certificate), and used to sign every message sent to another server. The private key
 * never leaves the file; what this returns is the public half, as the DNS TXT record to publish.
 */
@ProviderType
public interface DkimKeys {
    /** Signing algorithms: RSA for every verifier, Ed25519 for the ones that know RFC 8463. */
    enum Algorithm { RSA_SHA256, ED25519_SHA256 }

    /**
     * A key's public half: publish {@code txt} as a TXT record at {@code dnsName}
     * ({@code selector._domainkey.domain}).
     */
    record PublicKeyRecord(String domain, String selector, Algorithm algorithm, String dnsName, String txt) {
    }

    /**
     * Makes a key for the domain (RSA: 2048 bits).
     *
     * @param selector the DKIM selector, letters, digits and hyphens; null for one made of the date
     * @throws IllegalArgumentException when the domain or selector is not valid, or that selector
     *         already has a key of that algorithm
     * @throws IOException when the key cannot be written
     */
    PublicKeyRecord create(String domain, Algorithm algorithm, String selector) throws IOException;

    /** The domain's keys, by selector then algorithm; empty when it has none. */
    List<PublicKeyRecord> list(String domain) throws IOException;
}
