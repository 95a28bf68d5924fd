package org.postern.pop3.internal;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Every command this server implements, with the states it is valid in (checked once, before a
 * command runs) and what it adds to CAPA. CAPA is computed from this table, so nothing is
 * advertised that is not implemented.
 */
enum Verb {
    CAPA(State.AUTHORIZATION, State.TRANSACTION),
    USER(State.AUTHORIZATION),
    PASS(State.AUTHORIZATION),
    AUTH(State.AUTHORIZATION),
    STLS(State.AUTHORIZATION),
    QUIT(State.AUTHORIZATION, State.TRANSACTION),
    STAT(State.TRANSACTION),
    LIST(State.TRANSACTION),
    UIDL(State.TRANSACTION),
    RETR(State.TRANSACTION),
    TOP(State.TRANSACTION),
    DELE(State.TRANSACTION),
    NOOP(State.TRANSACTION),
    RSET(State.TRANSACTION);

    /** RFC 1939 section 3 states; UPDATE is the QUIT of a TRANSACTION, CLOSED the end. */
    enum State { AUTHORIZATION, TRANSACTION, UPDATE, CLOSED }

    private final Set<State> states;

    Verb(State first, State... rest) {
        this.states = EnumSet.of(first, rest);
    }

    boolean validIn(State state) {
        return states.contains(state);
    }

    /** The verb a command line starts with, or null for an unknown one. */
    static Verb of(String keyword) {
        if (keyword.length() > 4) {
            return null;
        }
        try {
            return valueOf(keyword.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * What this command adds to CAPA now (RFC 2449), or null. {@code authAllowed}: logins may be
     * tried on this connection now; {@code stlsOffered}: STLS would be accepted now.
     */
    String capability(State state, boolean authAllowed, boolean stlsOffered) {
        switch (this) {
            case TOP:
                return "TOP";
            case UIDL:
                return "UIDL";
            case USER:
                return state == State.AUTHORIZATION && authAllowed ? "USER" : null;
            case AUTH:
                return state == State.AUTHORIZATION && authAllowed ? "SASL PLAIN" : null;
            case STLS:
                return stlsOffered ? "STLS" : null;
            default:
                return null;
        }
    }
}
