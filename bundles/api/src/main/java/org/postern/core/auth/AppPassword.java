package org.postern.core.auth;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.postern.api.auth.Protocol;

/** What an app password is allowed to do, and when it was made and last used. No secret. */
public final class AppPassword {
    private final String name;
    private final Set<Protocol> protocols;
    private final List<String> networks;
    private final LocalDate expires;
    private final Instant created;
    private final Instant lastUsed;

    public AppPassword(String name, Set<Protocol> protocols, List<String> networks, LocalDate expires,
            Instant created, Instant lastUsed) {
        this.name = Objects.requireNonNull(name);
        this.protocols = Set.copyOf(protocols);
        this.networks = List.copyOf(networks);
        this.expires = expires;
        this.created = Objects.requireNonNull(created);
        this.lastUsed = lastUsed;
    }

    public String name() {
        return name;
    }

    public Set<Protocol> protocols() {
        return protocols;
    }

    /** CIDR networks in canonical form; empty: anywhere. */
    public List<String> networks() {
        return networks;
    }

    /** Last day (UTC) it works, or {@code null}. */
    public LocalDate expires() {
        return expires;
    }

    public Instant created() {
        return created;
    }

    /** {@code null} when never used; updated at most about once a minute. */
    public Instant lastUsed() {
        return lastUsed;
    }

    @Override
    public String toString() {
        return name + " " + protocols;
    }
}
