package org.postern.store.internal;

import java.util.Base64;
import org.postern.core.store.MessageRepository;

/**
 * {@code message.structure} (V008): a message's parsed structure, stored as base64 text because
 * no binary column type is spelled the same on Derby and PostgreSQL (the migration says more).
 * The store never looks inside: the mail store makes and reads the octets (postern-mime).
 */
final class Structures {
    private Structures() {
    }

    /** The column's text; null for null. */
    static String encode(byte[] structure) {
        if (structure == null) {
            return null;
        }
        if (structure.length == 0 || structure.length > MessageRepository.MAX_STRUCTURE) {
            throw new IllegalArgumentException("a stored structure is 1 to " + MessageRepository.MAX_STRUCTURE
                    + " octets, not " + structure.length);
        }
        return Base64.getEncoder().encodeToString(structure);
    }

    /** The octets of the column's text; null for NULL, and for text that is not base64 (read as none stored). */
    static byte[] decode(String column) {
        if (column == null) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(column.trim());
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
    }
}
