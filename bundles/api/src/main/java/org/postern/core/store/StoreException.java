package org.postern.core.store;

/** The store could not do what was asked; the database or disk said why (in the cause). */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
