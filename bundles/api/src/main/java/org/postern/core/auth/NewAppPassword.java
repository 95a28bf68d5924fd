package org.postern.core.auth;

import java.util.Arrays;
import java.util.Objects;

/** A just-made app password: the only moment its secret exists outside the client. */
public final class NewAppPassword {
    private final AppPassword description;
    private final char[] secret;

    public NewAppPassword(AppPassword description, char[] secret) {
        this.description = Objects.requireNonNull(description);
        this.secret = Objects.requireNonNull(secret);
    }

    public AppPassword description() {
        return description;
    }

    /** The secret, in groups joined by {@code -}. Show it once, then {@link #clear()}. */
    public char[] secret() {
        return secret;
    }

    public void clear() {
        Arrays.fill(secret, '\0');
    }

    @Override
    public String toString() {
        return "NewAppPassword[" + description + "]";
    }
}
