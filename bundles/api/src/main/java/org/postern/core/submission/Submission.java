package org.postern.core.submission;

import java.io.InputStream;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Submits a message as an account, as if its mail client had sent it over the submission port:
 * the envelope sender and every From address must be the account's to send as, the header is
 * rewritten for privacy (no client address or software named; Date and Message-ID added when
 * missing), the account's sending limits apply, and the message is queued durably before this
 * returns.
 */
@ProviderType
public interface Submission {
    /**
     * @param accountId the sending account
     * @param envelopeSender the RFC 5321 reverse-path; must be an address the account may send as
     * @param recipients envelope recipients (RFC 5321 forward-paths), at least one
     * @param message the RFC 5322 message with CRLF line ends, read to its end (not closed)
     * @return the queue id (for logs and {@code postern:queue-show})
     * @throws SubmissionException when the message is refused or cannot be queued now
     */
    String submit(String accountId, String envelopeSender, List<String> recipients, InputStream message)
            throws SubmissionException;
}
