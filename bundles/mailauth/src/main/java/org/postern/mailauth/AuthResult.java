package org.postern.mailauth;

import java.util.Locale;

/** A method's result, as the Authentication-Results header spells it (RFC 8601 §2.7). */
public enum AuthResult {
    NONE, PASS, FAIL, SOFTFAIL, NEUTRAL, POLICY, TEMPERROR, PERMERROR;

    /** The header keyword: {@code pass}, {@code temperror}, ... */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
