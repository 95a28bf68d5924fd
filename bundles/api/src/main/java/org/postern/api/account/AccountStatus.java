package org.postern.api.account;

/** Where an account is in its life. */
public enum AccountStatus {
    /** Logins work, mail is delivered. */
    ACTIVE,
    /** Expired or locked by the operator: no logins; incoming mail is still accepted and kept. */
    LOCKED,
    /** Data deleted; the address answers User unknown and is never issued again. */
    REMOVED
}
