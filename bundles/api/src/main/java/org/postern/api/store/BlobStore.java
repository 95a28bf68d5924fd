package org.postern.api.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Message bodies on disk. {@link #put} returns only once the bytes and the directory entry are
 * on stable storage (when fsync is on, the default): a caller may acknowledge the mail then.
 */
@ProviderType
public interface BlobStore {
    /** Stores the stream's bytes under a new id. The stream is read to its end, not closed. */
    BlobId put(InputStream content) throws IOException;

    /**
     * Stores like {@link #put}, for a body that a {@link org.postern.api.mail.MailStore} delivery
     * files next: it may return before the bytes are on stable storage, and the delivery that
     * files it waits for them before it commits, so the disk flush overlaps the filing. Acknowledge
     * the mail only once that delivery has returned; a body that is not filed must be deleted.
     * The default is {@link #put}.
     *
     * @since 2.1
     */
    default BlobId putForFiling(InputStream content) throws IOException {
        return put(content);
    }

    /** Opens a blob for reading; empty when there is no such blob. */
    Optional<InputStream> open(BlobId id) throws IOException;

    /** Size in bytes; -1 when there is no such blob. */
    long size(BlobId id) throws IOException;

    /** Unlinks a blob for good (no backups by design). False when there was none. */
    boolean delete(BlobId id) throws IOException;
}
