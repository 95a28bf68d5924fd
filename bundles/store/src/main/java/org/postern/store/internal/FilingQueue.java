package org.postern.store.internal;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.postern.core.store.MessageRepository.Filing;

/**
 * The journaled filings not yet in the database, and their numbering: owned by the blob store,
 * so they live exactly as long as the journal that holds them. The drainer
 * ({@link JournaledFilings}) belongs to the message repository, a component that may be
 * restarted while the blob store stays: a new one takes over this queue where the old one left
 * it, never numbering from the database's mark again while records above it are unfiled.
 */
final class FilingQueue {
    /** The one of the running blob store: what reads wait on. */
    static volatile FilingQueue current;

    final Object lock = new Object();
    /** Journaled, not yet filed (nor skipped as refused), in sequence order. Under {@link #lock}. */
    final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** Under {@link #lock}; meaningful once {@link #started}. */
    long nextSeq;
    /** A drainer read the mark and filed what a crash left (once per journal). Written under {@link #lock}. */
    volatile boolean started;
    /** The mark: every record up to here is filed (or refused); equal to the database's row. */
    volatile long filedUpTo;
    /** A drainer waits for a first filing (only then does a submit wake it). Under {@link #lock}. */
    boolean idle;
    /** The highest sequence number journaled per account whose filings are not all filed yet. */
    final ConcurrentHashMap<String, Long> latestByAccount = new ConcurrentHashMap<>();
    /** Held by a drainer while it files a batch: never two at once, even across a restart. */
    final ReentrantLock draining = new ReentrantLock();
    /** The drainer taking filings now, or null. */
    volatile JournaledFilings drainer;

    /** A journaled filing: acknowledged (or refused) by its delivery once the flush said so. */
    static final class Pending {
        final long seq;
        final BlobJournal.Ticket ticket;
        final List<Filing> filings;
        final long journaledAt = System.currentTimeMillis();
        private Boolean acknowledged; // under this

        Pending(long seq, BlobJournal.Ticket ticket, List<Filing> filings) {
            this.seq = seq;
            this.ticket = ticket;
            this.filings = filings;
        }

        synchronized void outcome(boolean ok) {
            acknowledged = ok;
            notifyAll();
        }

        synchronized boolean awaitOutcome() throws InterruptedException {
            while (acknowledged == null) {
                wait();
            }
            return acknowledged;
        }
    }

    /** How long the oldest filing has waited, in milliseconds; 0 when none waits. */
    long oldestWaitMillis() {
        synchronized (lock) {
            Pending head = pending.peek();
            return head == null ? 0 : System.currentTimeMillis() - head.journaledAt;
        }
    }
}
