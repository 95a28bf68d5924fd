package org.postern.core.groupware;

import java.time.Instant;
import java.util.Objects;

/**
 * One stored object: its name in the collection, UID, strong ETag and data as stored, with what a
 * list shows: {@code title} (SUMMARY, or FN for a contact), and {@code start}/{@code end} (DTSTART
 * and DTEND or DUE; null when absent or for a contact).
 */
public record GroupwareItem(String name, String uid, String etag, String data, String title, Instant start, Instant end) {
    public GroupwareItem {
        Objects.requireNonNull(name);
        Objects.requireNonNull(etag);
        Objects.requireNonNull(data);
    }
}
