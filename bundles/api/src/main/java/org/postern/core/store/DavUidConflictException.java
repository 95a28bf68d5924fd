package org.postern.core.store;

/** A calendar object's UID is already another member's (RFC 4791 no-uid-conflict): nothing was written. */
public class DavUidConflictException extends DavConflictException {
    private static final long serialVersionUID = 1L;

    private final String existingName;

    public DavUidConflictException(String existingName) {
        super("another member has that UID");
        this.existingName = existingName;
    }

    /** The member that has the UID. */
    public String existingName() {
        return existingName;
    }
}
