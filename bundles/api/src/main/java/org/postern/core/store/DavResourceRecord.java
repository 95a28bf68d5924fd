package org.postern.core.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One WebDAV resource of an account: a collection or a member with a body. {@code id} is random
 * and stays with the resource across MOVE (it is the RFC 5842 resource-id); COPY makes new ids.
 * A home collection (files, calendars, address books) has the parent {@link DavRepository#NO_PARENT}.
 * {@code kind} marks a special collection ({@link #CALENDAR}, with the {@code components} it takes,
 * comma-separated, or {@link #ADDRESSBOOK}), null for plain WebDAV; {@code uid} is a calendar
 * object's or a vCard's UID.
 */
public record DavResourceRecord(String id, String accountId, String parentId, String name, boolean collection,
        String contentType, long length, String etag, Instant created, Instant modified, String kind, String components,
        String uid) {
    /** {@link #kind} of a CalDAV calendar collection. */
    public static final String CALENDAR = "calendar";

    /** {@link #kind} of a CardDAV address book collection. */
    public static final String ADDRESSBOOK = "addressbook";

    public boolean isCalendar() {
        return CALENDAR.equals(kind);
    }

    public boolean isAddressBook() {
        return ADDRESSBOOK.equals(kind);
    }

    public DavResourceRecord {
        Objects.requireNonNull(id);
        Objects.requireNonNull(accountId);
        Objects.requireNonNull(parentId);
        Objects.requireNonNull(name);
        Objects.requireNonNull(created);
        Objects.requireNonNull(modified);
    }
}
