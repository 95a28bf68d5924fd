package org.postern.api.account;

/** A request the accounts service refuses; the message is fit to show an operator as it is. */
public class AccountException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why, for callers that map refusals to protocol replies or exit codes. */
    public enum Reason {
        INVALID_ADDRESS, INVALID_DOMAIN, UNKNOWN_ACCOUNT, UNKNOWN_DOMAIN, DUPLICATE, WEAK_PASSWORD, NOT_ALLOWED,
        /** A Block List or catch-all entry that is not well-formed. @since 1.1 */
        INVALID_ENTRY,
        /** A list entry or domain that is not there. @since 1.1 */
        UNKNOWN_ENTRY
    }

    private final Reason reason;

    public AccountException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
