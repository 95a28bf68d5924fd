package org.postern.api.mail;

/**
 * The account's storage quota does not allow this: SMTP answers {@code 452 4.2.2}, IMAP
 * {@code NO [OVERQUOTA]}. Never a silent drop.
 */
public class OverQuotaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OverQuotaException(String accountId) {
        super("account " + accountId + " is over its storage quota");
    }
}
