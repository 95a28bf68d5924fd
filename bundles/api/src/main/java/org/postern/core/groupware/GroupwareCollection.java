package org.postern.core.groupware;

import java.util.List;
import java.util.Objects;

/**
 * A calendar (components VEVENT, VTODO, VJOURNAL it takes) or an address book (no components).
 * {@code name} is its last URL segment under the account's DAV home.
 */
public record GroupwareCollection(String id, String name, String displayName, Type type, List<String> components) {
    /** What a collection holds. */
    public enum Type {
        CALENDAR, ADDRESS_BOOK
    }

    public GroupwareCollection {
        Objects.requireNonNull(id);
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        components = List.copyOf(components);
    }
}
