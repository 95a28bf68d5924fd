package org.postern.api.account;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Objects;
import org.postern.api.address.MailAddress;

/** An account as other bundles see it: no secrets. Immutable. */
public final class Account {
    private final String id;
    private final MailAddress address;
    private final AccountStatus status;
    private final Instant created;
    private final LocalDate expires;

    public Account(String id, MailAddress address, AccountStatus status, Instant created, LocalDate expires) {
        this.id = Objects.requireNonNull(id, "id");
        this.address = Objects.requireNonNull(address, "address");
        this.status = Objects.requireNonNull(status, "status");
        this.created = Objects.requireNonNull(created, "created");
        this.expires = expires;
    }

    /** Random, stable, never derived from the address (safe to use in URLs and on other nodes). */
    public String id() {
        return id;
    }

    /** The primary address. */
    public MailAddress address() {
        return address;
    }

    public AccountStatus status() {
        return status;
    }

    public Instant created() {
        return created;
    }

    /** The day (UTC) on which the account locks unless paid; {@code null} for never. */
    public LocalDate expires() {
        return expires;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Account && ((Account) o).id.equals(id);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return address + " [" + status + "]";
    }
}
