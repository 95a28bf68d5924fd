package org.postern.api.account;

import java.util.Objects;
import org.postern.api.address.MailAddress;

/** The outcome of resolving a recipient address. */
public final class Resolution {
    /** How the address reached the account. */
    public enum Kind {
        PRIMARY, OWNED_DOMAIN
    }

    private final MailAddress address;
    private final Account account;
    private final Kind kind;

    public Resolution(MailAddress address, Account account, Kind kind) {
        this.address = Objects.requireNonNull(address);
        this.account = Objects.requireNonNull(account);
        this.kind = Objects.requireNonNull(kind);
    }

    /** The recipient in normal form. */
    public MailAddress address() {
        return address;
    }

    public Account account() {
        return account;
    }

    public Kind kind() {
        return kind;
    }
}
