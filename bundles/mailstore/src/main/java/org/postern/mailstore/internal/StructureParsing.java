package org.postern.mailstore.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.postern.api.store.BlobId;
import org.postern.api.store.BlobStore;
import org.postern.core.store.MessageRepository;
import org.postern.mime.MessageStructure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses a stored body into the stored form of its {@link MessageStructure}, once, when the
 * message is filed (and lazily for messages filed before schema version 8).
 *
 * <p>Why a second read of the blob rather than a tee while it is written: the parser pulls from
 * an {@code InputStream} (one streaming pass, bounded memory), so a tee would need it turned
 * into a push parser or a second thread; and the blob was written (and fsync'ed) a moment ago,
 * so reading it again comes from the page cache: one pass over memory, what every FETCH of
 * ENVELOPE or BODYSTRUCTURE used to cost, now paid once. For SMTP the body is written by the
 * SMTP bundle before {@code deliver} is called, so there is no write to tee anyway.
 */
final class StructureParsing {
    private static final Logger LOG = LoggerFactory.getLogger(StructureParsing.class);

    private StructureParsing() {
    }

    /**
     * The stored form of the body's structure, or null when it cannot be had (the body is missing
     * or shorter than {@code size}, or reading fails): never a reason to refuse filing a message.
     */
    static byte[] parse(BlobStore blobs, BlobId body, long size) {
        try {
            Optional<InputStream> in = blobs.open(body);
            if (in.isEmpty()) {
                return null;
            }
            try (InputStream s = in.get()) {
                return MessageStructure.parse(s, size).toBytes();
            }
        } catch (IOException | RuntimeException e) {
            // no content in the log: the blob id only
            LOG.debug("Postern mail store: could not parse the structure of body {}: {}", body.value(), e.toString());
            return null;
        }
    }

    /** What a message row can keep: null when the stored form is longer than the column. */
    static byte[] storable(byte[] structure) {
        return structure == null || structure.length > MessageRepository.MAX_STRUCTURE ? null : structure;
    }
}
