package org.postern.core.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One WebDAV resource of an account: a collection or a member with a body. {@code id} is random
 * and stays with the resource across MOVE (it is the RFC 5842 resource-id); COPY makes new ids.
 * A home collection (files, calendars, address books) has the parent {@link DavRepository#NO_PARENT}.
 */
public record DavResourceRecord(String id, String accountId, String parentId, String name, boolean collection,
        String contentType, long length, String etag, Instant created, Instant modified) {
    public DavResourceRecord {
        Objects.requireNonNull(id);
        Objects.requireNonNull(accountId);
        Objects.requireNonNull(parentId);
        Objects.requireNonNull(name);
        Objects.requireNonNull(created);
        Objects.requireNonNull(modified);
    }
}
