package org.postern.api.policy;

import java.util.Objects;
import org.postern.api.account.Resolution;

/** What Postern's own checks say about one recipient. */
public final class RecipientVerdict {
    /** The outcomes; both refusals of a hosted address look the same on the wire. */
    public enum Kind {
        /** Deliver to {@link #resolution()}'s account (third-party policies may still refuse). */
        ACCEPT,
        /** Not a hosted domain and not authenticated: {@code 554 5.7.1 Relay access denied}. */
        RELAY_DENIED,
        /** Not a hosted domain, authenticated submission: queue for delivery elsewhere. */
        OUTBOUND,
        /**
         * No such account, a catch-all rule or a Block List entry refused it:
         * {@code 550 5.1.1 <rcpt>: Recipient address rejected: User unknown}.
         */
        USER_UNKNOWN
    }

    private static final RecipientVerdict RELAY = new RecipientVerdict(Kind.RELAY_DENIED, null);
    private static final RecipientVerdict UNKNOWN = new RecipientVerdict(Kind.USER_UNKNOWN, null);
    private static final RecipientVerdict OUT = new RecipientVerdict(Kind.OUTBOUND, null);

    private final Kind kind;
    private final Resolution resolution;

    private RecipientVerdict(Kind kind, Resolution resolution) {
        this.kind = kind;
        this.resolution = resolution;
    }

    public static RecipientVerdict accept(Resolution resolution) {
        return new RecipientVerdict(Kind.ACCEPT, Objects.requireNonNull(resolution));
    }

    public static RecipientVerdict relayDenied() {
        return RELAY;
    }

    public static RecipientVerdict outbound() {
        return OUT;
    }

    public static RecipientVerdict userUnknown() {
        return UNKNOWN;
    }

    public Kind kind() {
        return kind;
    }

    /** The receiving account; null unless ACCEPT. */
    public Resolution resolution() {
        return resolution;
    }
}
