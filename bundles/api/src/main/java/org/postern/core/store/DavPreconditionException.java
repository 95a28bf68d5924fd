package org.postern.core.store;

/**
 * A conditional DAV write found the resource not as the caller expected (RFC 9110 If-Match or
 * If-None-Match, checked inside the write's transaction): nothing was written.
 *
 * @since 1.9
 */
public class DavPreconditionException extends DavConflictException {
    private static final long serialVersionUID = 1L;

    public DavPreconditionException() {
        super("the resource changed since it was read");
    }
}
