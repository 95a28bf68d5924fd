package org.postern.core.store;

/** An insert collided with an existing row (a unique key). */
public class DuplicateKeyException extends StoreException {
    private static final long serialVersionUID = 1L;

    public DuplicateKeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
