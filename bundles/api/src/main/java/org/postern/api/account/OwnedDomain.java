package org.postern.api.account;

import java.util.Objects;

/** A domain an account owns; every address at it reaches the account (a catch-all). */
public final class OwnedDomain {
    /** How the account came to own the domain. */
    public enum Kind {
        /** The customer's own domain, outside every service domain. */
        CUSTOM,
        /** A name under the account's own namespace {@code <local>.<service domain>}. */
        ALIAS_SUBDOMAIN
    }

    private final String name;
    private final Kind kind;
    private final String accountId;

    public OwnedDomain(String name, Kind kind, String accountId) {
        this.name = Objects.requireNonNull(name);
        this.kind = Objects.requireNonNull(kind);
        this.accountId = Objects.requireNonNull(accountId);
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    public String accountId() {
        return accountId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OwnedDomain && ((OwnedDomain) o).name.equals(name)
                && ((OwnedDomain) o).accountId.equals(accountId) && ((OwnedDomain) o).kind == kind;
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name + " (" + kind + ")";
    }
}
