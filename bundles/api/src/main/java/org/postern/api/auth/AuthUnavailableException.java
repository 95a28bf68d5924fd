package org.postern.api.auth;

/**
 * The authenticator could not decide now (the store is unreachable, every hashing slot is busy):
 * a temporary failure. Protocols answer it as one (IMAP {@code NO [UNAVAILABLE]}, POP3
 * {@code -ERR [SYS/TEMP]}, SMTP {@code 454 4.7.0}), never as a refusal.
 */
public class AuthUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AuthUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
