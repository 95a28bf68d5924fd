package org.postern.core.store;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Objects;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;

/** An account row as the accounts bundle persists it, password hash included. */
public final class AccountRecord {
    private final String id;
    private final MailAddress address;
    private final AccountStatus status;
    private final String passwordHash;
    private final Instant created;
    private final LocalDate expires;

    public AccountRecord(String id, MailAddress address, AccountStatus status, String passwordHash,
            Instant created, LocalDate expires) {
        this.id = Objects.requireNonNull(id);
        this.address = Objects.requireNonNull(address);
        this.status = Objects.requireNonNull(status);
        this.passwordHash = passwordHash;
        this.created = Objects.requireNonNull(created);
        this.expires = expires;
    }

    public String id() {
        return id;
    }

    public MailAddress address() {
        return address;
    }

    public AccountStatus status() {
        return status;
    }

    /** PHC-format hash; {@code null} once the account is removed. */
    public String passwordHash() {
        return passwordHash;
    }

    public Instant created() {
        return created;
    }

    public LocalDate expires() {
        return expires;
    }
}
