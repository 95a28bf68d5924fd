package org.postern.core.store;

import java.time.Instant;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The operator's notices to every user (maintenance, changes of terms), newest first. Plain text:
 * whoever shows them escapes them. Shared by every node through the database.
 *
 * @since 1.10
 */
@ProviderType
public interface ServiceNoticeRepository {
    /** The longest notice, in characters. */
    int MAX_TEXT = 2000;

    record Notice(String id, Instant created, String text) {
    }

    /**
     * @return the new notice
     * @throws IllegalArgumentException for an empty text or one longer than {@link #MAX_TEXT}
     */
    Notice add(String text, Instant now);

    /** Every notice, newest first. */
    List<Notice> list();

    /** @return false when there is no notice of that id */
    boolean remove(String id);
}
