package org.postern.core.store;

/**
 * A DAV write found the tree changed under it (a parent collection gone, a resource gone) or
 * would have made it invalid (a collection moved or copied into itself): nothing was written.
 */
public class DavConflictException extends StoreException {
    private static final long serialVersionUID = 1L;

    public DavConflictException(String message) {
        super(message, null);
    }
}
