package org.postern.core.store;

/** A DAV write would pass a per-account or per-resource limit (locks, dead properties): nothing was written. */
public class DavLimitException extends StoreException {
    private static final long serialVersionUID = 1L;

    public DavLimitException(String message) {
        super(message, null);
    }
}
