package org.postern.core.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The DAV bundle's storage: principals and a tree of resources per account, with dead properties.
 * Every method takes the account it acts for and touches that account's rows only, so a caller
 * that passes the logged-in account cannot reach another's data whatever ids a client sends.
 * Bodies are stored in the database row, committed before the method returns. Writes of one
 * account run one at a time (under its account row), each checking inside its transaction that
 * the parents it writes into still exist and that no collection ends up inside itself: a
 * {@link DavConflictException} when not; limits are a {@link DavLimitException}.
 */
@ProviderType
public interface DavRepository {
    /** The parent of a home collection. */
    String NO_PARENT = "00000000000000000000000000000000";

    /** Longest resource name, in characters (the column's size). */
    int MAX_NAME = 255;
    /** Longest content type, in characters. */
    int MAX_CONTENT_TYPE = 255;
    /** Longest property namespace and local name, in characters. */
    int MAX_PROPERTY_NAME = 255;
    /** Longest serialized dead property, in characters. */
    int MAX_PROPERTY_XML = 32672;
    /** Most dead properties one resource keeps. */
    int MAX_PROPERTIES = 200;
    /** Most unexpired locks one account holds. */
    int MAX_LOCKS = 1000;

    /**
     * The account's principal id: random, created on first use, never its address or account id.
     *
     * @throws org.postern.api.mail.AccountGoneException when the account is removed or unknown
     */
    String principalId(String accountId);

    /** The home collection {@code home} ("files", ...), created when missing. */
    DavResourceRecord home(String accountId, String home);

    Optional<DavResourceRecord> child(String accountId, String parentId, String name);

    /**
     * What {@link #walk} found: the resources, and the body of the last one when it was asked for
     * and is the resource {@code names} ends with and not a collection (else null).
     */
    record Walk(List<DavResourceRecord> resources, byte[] body) {
    }

    /**
     * The resources a path names, in one read: the child {@code names[0]} of {@code fromId}, then
     * its child {@code names[1]}, and so on. Stops at the first name that does not exist or whose
     * predecessor is not a collection, so the list may be shorter than {@code names} (empty when
     * not even the first exists). Names are compared exactly. With {@code body}, the same read
     * also takes the body of the resource the path ends with (a GET in one transaction).
     */
    Walk walk(String accountId, String fromId, List<String> names, boolean body);

    /** The members of a collection, by name. */
    List<DavResourceRecord> children(String accountId, String parentId);

    Optional<byte[]> body(String accountId, String id);

    /** @throws DuplicateKeyException when the parent already has a member of that name */
    default DavResourceRecord createCollection(String accountId, String parentId, String name) {
        return createCollection(accountId, parentId, name, null, null);
    }

    /** A collection of a {@code kind} (null: plain), taking {@code components} (calendars). */
    DavResourceRecord createCollection(String accountId, String parentId, String name, String kind, String components);

    /**
     * Stores a body under {@code name}, creating the member or replacing its body.
     *
     * @return the stored member and whether it was created
     * @throws DuplicateKeyException when a collection of that name exists
     */
    default Written put(String accountId, String parentId, String name, String contentType, byte[] body) {
        return put(accountId, parentId, name, contentType, body, null);
    }

    /**
     * The same for a calendar object with its {@code uid}, which no other member of the parent may
     * have.
     *
     * @throws DavUidConflictException when another member has that UID
     */
    default Written put(String accountId, String parentId, String name, String contentType, byte[] body, String uid) {
        return put(accountId, parentId, name, contentType, body, uid, TimeSpan.UNKNOWN);
    }

    /**
     * The same with the time its instances lie in ({@link #memberNamesOverlapping}); replacing a
     * body replaces its span, so a caller that does not know the new one passes {@link TimeSpan#UNKNOWN}.
     */
    default Written put(String accountId, String parentId, String name, String contentType, byte[] body, String uid, TimeSpan span) {
        return put(accountId, parentId, name, contentType, body, uid, span, etag -> true);
    }

    /**
     * The same, written only when {@code expected} holds for the ETag the member has inside the
     * write's transaction (null when there is none): RFC 9110 If-Match and If-None-Match without
     * the race between reading the ETag and writing.
     *
     * @throws DavPreconditionException when it does not hold
     * @since 1.9
     */
    Written put(String accountId, String parentId, String name, String contentType, byte[] body, String uid, TimeSpan span,
            java.util.function.Predicate<String> expected);

    /**
     * The names of the collection's non-collection members whose span may overlap [{@code from},
     * {@code to}) (epoch seconds): those whose span does, and those whose span is not known (stored
     * before spans were kept, copied, or not calendar data). A time-range query reads only these.
     */
    List<String> memberNamesOverlapping(String accountId, String parentId, long from, long to);

    /** The named members of a collection with their bodies, read in one transaction. */
    List<Map.Entry<DavResourceRecord, byte[]>> membersWithBodies(String accountId, String parentId, List<String> names);

    /** Deletes a resource and, for a collection, everything under it. @return false when it was gone */
    default boolean delete(String accountId, String id) {
        return delete(accountId, id, etag -> true);
    }

    /**
     * Deletes the resource (and everything below it) only when {@code expected} holds for its ETag
     * (null for a collection) inside the delete's transaction.
     *
     * @throws DavPreconditionException when it does not hold
     * @since 1.9
     */
    boolean delete(String accountId, String id, java.util.function.Predicate<String> expected);

    /**
     * Moves a resource (with its subtree) to {@code name} under {@code parentId}, keeping its id,
     * after deleting what {@code replace} names there (in the same transaction).
     */
    DavResourceRecord move(String accountId, String id, String parentId, String name, String replace);

    /**
     * Copies a resource to {@code name} under {@code parentId} with new ids: its dead properties
     * and, when {@code deep}, its whole subtree; after deleting what {@code replace} names there.
     */
    DavResourceRecord copy(String accountId, String id, String parentId, String name, boolean deep, String replace);

    List<DavProperty> properties(String accountId, String id);

    /**
     * Sets and removes dead properties in one transaction, in order (RFC 4918 PROPPATCH: all or none).
     *
     * @param changes properties to set (replacing one of the same name) and to remove (removing
     *                an absent one is no error)
     * @return false when the resource is gone
     * @throws DavLimitException when the resource would keep more than {@link #MAX_PROPERTIES}
     */
    boolean patchProperties(String accountId, String id, List<Change> changes);

    /** The account's locks that have not expired at {@code now}. */
    List<DavLock> locks(String accountId, long now);

    /**
     * Takes {@code lock} unless an unexpired lock of the account conflicts with it (RFC 4918
     * section 6.2: an exclusive lock conflicts with any other on an overlapping URL, shared locks
     * only with exclusive ones), checked and inserted atomically across nodes.
     *
     * @return the conflicting lock, or empty when {@code lock} was taken
     * @throws DavLimitException when the account holds {@link #MAX_LOCKS} locks
     */
    java.util.Optional<DavLock> lock(DavLock lock, long now);

    /** Sets a lock's timeout and expiry. @return false when it is gone or expired */
    boolean refreshLock(String accountId, String token, long timeoutSeconds, long expires, long now);

    /** @return false when no such lock */
    boolean unlock(String accountId, String token);

    /** Removes the locks whose root is {@code path} or below it (after a DELETE or a MOVE away). */
    void unlockAtOrUnder(String accountId, String path);

    /**
     * A collection's sync token (RFC 6578): the account's change counter at the last change to the
     * collection, its properties or its membership; it only grows, across restarts and nodes.
     */
    long syncToken(String accountId, String collectionId);

    /**
     * The collection's members changed after {@code since} (0: every member, no removals), oldest
     * change first. At most {@code limit}, except that changes made by one write are never split;
     * {@code truncated} says more follow, and {@code token} is where the next call continues.
     */
    Changes changes(String accountId, String collectionId, long since, int limit);

    /** One changed member: its current row, or null when its name left the collection. */
    record Member(String name, DavResourceRecord resource, long seq) {
    }

    /** What {@link #changes} found. */
    record Changes(List<Member> members, long token, boolean truncated) {
    }

    /** One PROPPATCH instruction: a property to set, or (xml null) a name to remove. */
    record Change(String namespace, String name, String xml) {
    }

    /** What {@link #put} did. */
    /**
     * Where a calendar object's instances lie, widened as its maker sees fit: epoch seconds, a null
     * bound unbounded. {@link #UNKNOWN} (both null) makes the member a candidate for every range.
     */
    record TimeSpan(Long start, Long end) {
        public static final TimeSpan UNKNOWN = new TimeSpan(null, null);
    }

    record Written(DavResourceRecord resource, boolean created) {
    }
}
