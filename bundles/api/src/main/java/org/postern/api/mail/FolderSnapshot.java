package org.postern.api.mail;

import java.util.List;

/**
 * A folder's messages at one moment, in ascending UID order, with the folder's UIDVALIDITY: a
 * UID names the same message only as long as the UIDVALIDITY is the same (RFC 3501 2.3.1.1), so
 * every later call that names messages by UID passes it back. A folder that does not exist is
 * an empty snapshot with UIDVALIDITY 0 ({@link #exists()} false).
 */
public record FolderSnapshot(String folder, long uidValidity, List<StoredMessage> messages) {
    public FolderSnapshot {
        if (folder == null || uidValidity < 0) {
            throw new IllegalArgumentException("folder must be given, uidValidity not negative");
        }
        messages = List.copyOf(messages);
    }

    /** The snapshot of a folder that does not exist (yet): no messages, UIDVALIDITY 0. */
    public static FolderSnapshot missing(String folder) {
        return new FolderSnapshot(folder, 0, List.of());
    }

    /** False for a folder that does not exist. */
    public boolean exists() {
        return uidValidity != 0;
    }
}
