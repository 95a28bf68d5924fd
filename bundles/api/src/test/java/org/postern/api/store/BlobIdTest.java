package org.postern.api.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class BlobIdTest {
    private static final String VALID = "0123456789abcdef0123456789abcdef";

    @Test
    void acceptsThirtyTwoLowerCaseHexDigits() {
        BlobId id = BlobId.of(VALID);
        assertEquals(VALID, id.value());
        assertEquals(VALID, id.toString());
    }

    @Test
    void equalByValue() {
        assertEquals(BlobId.of(VALID), BlobId.of(VALID));
        assertEquals(BlobId.of(VALID).hashCode(), BlobId.of(VALID).hashCode());
        assertNotEquals(BlobId.of(VALID), BlobId.of("f".repeat(32)));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
        "0123456789ABCDEF0123456789ABCDEF",
        "0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdef0",
        "0123456789abcdef0123456789abcdeg",
        "../../../../../../etc/passwd....",
        "0123456789abcdef/123456789abcdef"})
    void rejectsAnythingElse(String value) {
        assertThrows(IllegalArgumentException.class, () -> BlobId.of(value));
    }
}
