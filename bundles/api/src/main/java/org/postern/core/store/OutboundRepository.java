package org.postern.core.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;
import org.postern.api.store.BlobId;

/**
 * The durable outbound queue: messages accepted for sending (submission, the in-process
 * {@code Submission} service, DSNs) with one row per recipient, until every recipient is delivered
 * or has failed for good. The body is a blob the caller stored (and fsync'ed) before
 * {@link #enqueue}; the queue owns it from then on and schedules its deletion when the message
 * leaves the queue, so the orphaned-blob collector never takes a queued body.
 *
 * <p><b>Claims.</b> A sender works on a message only while it holds a lease on it: {@link #claimDue}
 * leases due messages to one owner (a node and its worker) until a deadline; every later call names
 * the owner and does nothing (returns false) when the lease was lost meanwhile (expired and taken by
 * another node). Two nodes therefore never send the same message at once, and a node killed while
 * sending leaves a lease that expires, after which the message is sent again: SMTP's own
 * at-least-once window, never a loss.
 */
@ProviderType
public interface OutboundRepository {
    /** Most recipients of one queued message. */
    int MAX_RECIPIENTS = 1000;

    /** A recipient's state. */
    enum RecipientState { PENDING, DELIVERED, FAILED }

    /**
     * A message to queue.
     *
     * @param id 32 lower-case hex characters, made by the caller (also the name logs and commands use)
     * @param accountId the account that sends it; null for the service's own mail (DSNs)
     * @param sender the envelope sender (RFC 5321 reverse-path), empty for the null sender of a DSN
     * @param recipients envelope recipients in order, at most {@link #MAX_RECIPIENTS}, no duplicates
     * @param notBefore the first attempt's time
     * @param expires when a recipient still pending fails for good (and the sender gets a DSN)
     */
    record NewMessage(String id, String accountId, String sender, BlobId blob, long size, Instant created,
            Instant notBefore, Instant expires, List<String> recipients) {
        public NewMessage {
            recipients = List.copyOf(recipients);
        }
    }

    /** One recipient of a queued message, with what the last attempt got. */
    record Recipient(int position, String address, RecipientState state, int attempts, Instant lastAttempt,
            String lastReply) {
    }

    /** A queued message and its recipients (all of them, in order). */
    record QueuedMessage(String id, String accountId, String sender, BlobId blob, long size, Instant created,
            Instant nextAttempt, Instant expires, int attempts, String leaseOwner, Instant leaseUntil,
            List<Recipient> recipients) {
        public QueuedMessage {
            recipients = List.copyOf(recipients);
        }
    }

    /**
     * What one attempt did for one recipient. {@code state} PENDING means a temporary failure (try
     * again later), DELIVERED and FAILED are final. {@code reply} is the remote server's reply or
     * the local reason, cut by the store to what its column holds.
     */
    record Outcome(int position, RecipientState state, String reply) {
    }

    /** Stores the message and its recipients in one transaction. */
    void enqueue(NewMessage message);

    /**
     * Leases up to {@code limit} messages whose next attempt is due at {@code now} and that nobody
     * holds (no lease, or an expired one) to {@code owner} until {@code leaseUntil}: messages never
     * tried first (new mail is not delayed by a backlog of retries), then retries, each oldest due
     * first, in that order.
     */
    List<QueuedMessage> claimDue(String owner, Instant now, Instant leaseUntil, int limit);

    /** Extends a lease still held; false when it was lost. */
    boolean renew(String id, String owner, Instant leaseUntil);

    /**
     * Records an attempt's outcomes (one per recipient tried; recipients not named are unchanged),
     * counts the attempt, sets the next attempt's time and releases the lease. When no recipient is
     * left PENDING the message leaves the queue (its rows go, its blob is scheduled for deletion).
     *
     * @return false (and nothing changed) when {@code owner} no longer holds the lease
     */
    boolean recordAttempt(String id, String owner, List<Outcome> outcomes, Instant nextAttempt);

    /** One message, for {@code postern:queue-show}. */
    Optional<QueuedMessage> find(String id);

    /** The first {@code limit} messages by next attempt, then id (for {@code postern:queue-list}). */
    List<QueuedMessage> list(int limit);

    /** How many messages are queued. */
    long count();

    /**
     * Makes the message due now (an operator's retry); false when it is not queued. A message being
     * sent keeps its lease: that attempt's outcome decides the next one.
     */
    boolean retryNow(String id, Instant now);

    /** Removes the message without sending it (an operator's delete): rows gone, blob scheduled for deletion. */
    boolean delete(String id);
}
