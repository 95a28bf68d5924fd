package org.postern.core.groupware;

/** A write refused: {@code reason} says why in the words of the DAV precondition it matches. */
public class GroupwareException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a write was refused. */
    public enum Reason {
        /** Not one valid iCalendar object or vCard (or a component the calendar does not take). */
        INVALID_DATA,
        /** Another object in the collection has this UID. */
        UID_CONFLICT,
        /** The object changed since the caller read it (its ETag no longer matches). */
        CHANGED,
        /** No such collection for this account. */
        NO_COLLECTION,
        /** Larger than a calendar object or vCard may be. */
        TOO_LARGE,
        /** A DAV client holds a lock on it or on its collection (RFC 4918): retry when it is gone. @since 1.1 */
        LOCKED
    }

    private final Reason reason;

    public GroupwareException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
