package org.postern.core.store;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.postern.api.auth.Protocol;

/** An app password row as the auth bundle persists it: its keyed hash, never its secret. */
public final class AppPasswordRecord {
    private final String id;
    private final String accountId;
    private final String name;
    private final String secretHash;
    private final String keyId;
    private final Set<Protocol> protocols;
    private final List<String> networks;
    private final LocalDate expires;
    private final Instant created;
    private final Instant lastUsed;

    public AppPasswordRecord(String id, String accountId, String name, String secretHash, String keyId,
            Set<Protocol> protocols, List<String> networks, LocalDate expires, Instant created, Instant lastUsed) {
        this.id = Objects.requireNonNull(id);
        this.accountId = Objects.requireNonNull(accountId);
        this.name = Objects.requireNonNull(name);
        this.secretHash = Objects.requireNonNull(secretHash);
        this.keyId = Objects.requireNonNull(keyId);
        this.protocols = Set.copyOf(protocols);
        this.networks = List.copyOf(networks);
        this.expires = expires;
        this.created = Objects.requireNonNull(created);
        this.lastUsed = lastUsed;
    }

    public String id() {
        return id;
    }

    public String accountId() {
        return accountId;
    }

    public String name() {
        return name;
    }

    /** Lowercase hex HMAC-SHA-256 of the normalised secret. */
    public String secretHash() {
        return secretHash;
    }

    /** Which key made {@link #secretHash()} (a fingerprint of the key, not the key). */
    public String keyId() {
        return keyId;
    }

    public Set<Protocol> protocols() {
        return protocols;
    }

    public List<String> networks() {
        return networks;
    }

    public LocalDate expires() {
        return expires;
    }

    public Instant created() {
        return created;
    }

    public Instant lastUsed() {
        return lastUsed;
    }
}
