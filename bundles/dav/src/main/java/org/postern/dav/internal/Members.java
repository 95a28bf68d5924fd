package org.postern.dav.internal;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.postern.core.store.DavRepository;
import org.postern.core.store.DavResourceRecord;

/**
 * A collection's objects with their bodies, read {@link #CHUNK} at a time: what every report
 * and the in-process service walk, so that the bodies in memory at once stay bounded.
 */
final class Members {
    /** Members read at a time: bounds the bodies in memory (50 MiB at most), not the result. */
    static final int CHUNK = 50;

    private Members() {
    }

    /** What a walk hands over; false ends the walk. */
    interface Visitor<E extends Exception> {
        boolean visit(DavResourceRecord member, byte[] body) throws E;
    }

    /**
     * The names of a calendar's members that may have an event instance in {@code eventRange}
     * ([start, end), {@link CalendarQuery#eventRange}; null: every member), by their stored spans.
     */
    static List<String> names(DavRepository repository, String accountId, String collectionId, Instant[] eventRange) {
        if (eventRange == null) {
            return names(repository, accountId, collectionId);
        }
        long from = eventRange[0] == Instant.MIN ? Long.MIN_VALUE : eventRange[0].getEpochSecond();
        long to = eventRange[1] == Instant.MAX ? Long.MAX_VALUE
                : eventRange[1].getEpochSecond() + (eventRange[1].getNano() > 0 ? 1 : 0);
        return repository.memberNamesOverlapping(accountId, collectionId, from, to);
    }

    /** The names of the collection's members that are not collections. */
    static List<String> names(DavRepository repository, String accountId, String collectionId) {
        return repository.children(accountId, collectionId).stream().filter(r -> !r.collection()).map(DavResourceRecord::name)
                .toList();
    }

    /** Visits the named members that exist, in chunks; true when the visitor ended the walk early. */
    static <E extends Exception> boolean walk(DavRepository repository, String accountId, String collectionId, List<String> names,
            Visitor<E> visitor) throws E {
        for (int from = 0; from < names.size(); from += CHUNK) {
            for (Map.Entry<DavResourceRecord, byte[]> e : repository.membersWithBodies(accountId, collectionId,
                    names.subList(from, Math.min(names.size(), from + CHUNK)))) {
                if (!visitor.visit(e.getKey(), e.getValue())) {
                    return true;
                }
            }
        }
        return false;
    }
}
