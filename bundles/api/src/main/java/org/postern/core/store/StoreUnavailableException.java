package org.postern.core.store;

/**
 * The database cannot be reached at all (refused, reset, shut down, no connection free in time),
 * as opposed to refusing one statement. Callers answer with a temporary failure ({@code 451},
 * {@code NO [UNAVAILABLE]}) and do not log it one by one: the store logs one line when the
 * database goes away and one when it is back.
 */
public class StoreUnavailableException extends StoreException {
    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether {@code t} or one of its causes says the database is unreachable. */
    public static boolean isCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StoreUnavailableException) {
                return true;
            }
        }
        return false;
    }
}
