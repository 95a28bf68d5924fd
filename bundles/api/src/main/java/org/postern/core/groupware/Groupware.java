package org.postern.core.groupware;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An account's calendars, task lists and address books, and the objects in them. Writes are
 * checked as a DAV PUT is (one iCalendar object or one vCard with a UID, unique per collection)
 * and step the collection's sync token, so DAV clients see them at their next sync. Every method
 * names the account: an id of another account's collection finds nothing.
 */
@ProviderType
public interface Groupware {
    /** The account's calendars and task lists (made on first use, as for DAV). */
    List<GroupwareCollection> calendars(String accountId);

    /** The account's address books (made on first use, as for DAV). */
    List<GroupwareCollection> addressBooks(String accountId);

    /** Most objects one call returns: each carries its data (up to 1 MiB). */
    int MAX_PAGE = 500;

    /**
     * Objects in a collection of the account (a calendar's events or tasks, an address book's
     * contacts), in name order: those from {@code offset}, at most {@code limit} (capped at
     * {@link #MAX_PAGE}). Fewer than asked means the end.
     */
    List<GroupwareItem> items(String accountId, String collectionId, int offset, int limit);

    /**
     * The events of a calendar with an instance that meets [{@code from}, {@code to}): recurrences
     * expanded as a calendar-query time-range would (over at most two years); at most
     * {@link #MAX_PAGE}, the first in name order.
     */
    List<GroupwareItem> events(String accountId, String calendarId, Instant from, Instant to);

    /** One object by its name in the collection. */
    Optional<GroupwareItem> item(String accountId, String collectionId, String name);

    /**
     * Stores {@code data} (iCalendar for a calendar, vCard for an address book) as the object
     * {@code name}, new or replacing; {@code name} null makes a new name from the UID.
     *
     * @param ifMatch the ETag the caller last saw, or null to write regardless
     * @throws GroupwareException when the data is refused or the ETag no longer matches
     */
    GroupwareItem save(String accountId, String collectionId, String name, String data, String ifMatch) throws GroupwareException;

    /** Removes an object; false when there was none, or when a DAV client holds a lock on it or its collection. */
    boolean delete(String accountId, String collectionId, String name);

    /**
     * Removes an object if it is still the version the caller saw; false when there was none.
     *
     * @param ifMatch the ETag the caller last saw, or null to remove regardless
     * @throws GroupwareException {@code CHANGED} when the ETag no longer matches (compared inside the
     *         removal's transaction), {@code LOCKED} when a DAV client holds a lock on it
     * @since 1.1
     */
    boolean remove(String accountId, String collectionId, String name, String ifMatch) throws GroupwareException;

    /**
     * The instances of a calendar's events that meet [{@code from}, {@code to}), recurrences
     * expanded and overridden instances in place of the ones they replace, sorted by start: what a
     * month, week or agenda view draws. At most {@link #MAX_PAGE} events are read and at most
     * {@code MAX_PAGE} instances returned.
     *
     * @since 1.2
     */
    List<Occurrence> occurrences(String accountId, String calendarId, Instant from, Instant to);

    /** One instance of an event: the event as stored, and this instance's start and end. */
    record Occurrence(GroupwareItem item, Instant start, Instant end) {
    }
}
