package org.postern.api.store;

import java.util.Objects;
import java.util.regex.Pattern;

/** The key of a stored blob: random, opaque, safe as a file name. */
public final class BlobId {
    private static final Pattern FORM = Pattern.compile("[0-9a-f]{32}");
    private final String value;

    private BlobId(String value) {
        this.value = value;
    }

    /** @throws IllegalArgumentException when {@code value} is not a blob id */
    public static BlobId of(String value) {
        if (value == null || !FORM.matcher(value).matches()) {
            throw new IllegalArgumentException("not a blob id: " + value);
        }
        return new BlobId(value);
    }

    public String value() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlobId && ((BlobId) o).value.equals(value);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
