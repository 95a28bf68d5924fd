package org.postern.api.mail;

/**
 * The message cannot be filed because its account does not exist or was removed, for instance
 * between RCPT and the end of DATA. Permanent for that recipient: retrying will not help, and no
 * folder was created for it. The caller still owns the message's body (to bounce it, or delete it).
 */
public class AccountGoneException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String accountId;

    public AccountGoneException(String accountId) {
        super("account " + accountId + " does not exist or was removed");
        this.accountId = accountId;
    }

    public String accountId() {
        return accountId;
    }
}
