package org.postern.store.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.postern.api.address.MailAddress;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.SendingServer;
import org.postern.api.store.BlobId;
import org.postern.core.store.MessageRepository.Filing;
import org.postern.core.store.StoreUnavailableException;
import org.postern.store.internal.FilingQueue.Pending;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Journaled filing: an MX delivery's filing goes into the blob journal as a record of its own,
 * in the segment that holds its bodies, and the delivery is acknowledged once one journal flush
 * covers them all; a drainer thread files the records into the database afterwards, in journal
 * order, many in one transaction. See the store README, "Journaled filing".
 *
 * <p>Exactly once: each record has a sequence number, and the transaction that files a batch
 * first moves this journal's "filed up to" row ({@code journal_filed}) from the number it had to
 * the batch's last one, and rolls back when the row had another (a transaction that committed
 * while its connection went). After a crash the records above that number are filed from the
 * recovered segments before the reaper looks for orphans, and a segment is not checkpointed while
 * one of its records is unfiled.
 *
 * <p>Read your own mail: every read of an account waits ({@link #awaitFor}) until the filings
 * journaled for it so far are in the database, so IMAP, POP3 and the webmail never miss a
 * message that got its {@code 250} on this node.
 *
 * <p>The queue and its numbering belong to the blob store ({@link FilingQueue}); this drainer to
 * the message repository, which may be restarted while the journal stays.
 */
final class JournaledFilings implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JournaledFilings.class);
    /** How long the drainer lets company gather before a batch: one commit for all that came meanwhile. */
    static final long BATCH_MILLIS = 20;
    /** Rows per drainer transaction (a delivery's copies are one each), as appendAll's groups: locks and log stay small. */
    static final int MAX_BATCH_ROWS = JdbcMessageRepository.MAX_GROUP;
    /** Beyond this many filings waiting for the database, deliveries are filed at once (and wait for it). */
    static final int MAX_PENDING = 10_000;
    /**
     * When the oldest filing has waited this long (the database refuses or is slow), deliveries
     * are filed at once, not acknowledged on top of a backlog.
     */
    static final long MAX_WAIT_MILLIS = 30_000;
    /** A read waits at most this long for an account's journaled filings. */
    static final long READ_WAIT_MILLIS = 30_000;
    private static final long RETRY_MILLIS = 1_000;

    private final Database db;
    private final FileBlobStore blobs;
    private final FilingQueue queue;
    private final JdbcMessageRepository repository;
    private final String journalId;
    private final Thread drainer;
    private final long batchMillis;
    private volatile boolean closed; // written under queue.lock
    private long lastErrorLogged;

    /** A filing the database refuses for what it is (data or integrity), not for its state: given up. */
    private static final class Refused extends RuntimeException {
        Refused(RuntimeException cause) {
            super(cause);
        }
    }

    /** The mark was not where this batch expected it: a transaction that committed already filed it. */
    private static final class AlreadyFiled extends RuntimeException {
        AlreadyFiled() {
            super("already filed", null, false, false);
        }
    }

    JournaledFilings(Database db, FileBlobStore blobs, JdbcMessageRepository repository, long batchMillis) {
        this.batchMillis = batchMillis;
        this.db = db;
        this.blobs = blobs;
        this.queue = blobs.filingQueue();
        this.repository = repository;
        this.journalId = blobs.journalId();
        drainer = new Thread(this::run, "postern-filing-drainer");
        drainer.setDaemon(true);
        drainer.start();
    }

    /** Waits until every filing journaled so far for this account is in the database. */
    static void awaitFor(String accountId) {
        FilingQueue q = FilingQueue.current;
        if (q == null || accountId == null) {
            return;
        }
        JournaledFilings d = q.drainer;
        if (d != null) {
            d.await(accountId);
        }
    }

    /**
     * A filing has waited for the database longer than a minute: then a body older than the
     * orphan sweep's grace may be one whose row is still to come.
     */
    static boolean backlogged() {
        FilingQueue q = FilingQueue.current;
        return q != null && q.oldestWaitMillis() > 60_000;
    }

    /** Takes filings: the drainer of the queue, started, not closing. */
    boolean ready() {
        return !closed && queue.drainer == this && queue.started;
    }

    /** This drainer may still file: not closing, and the queue's. */
    private boolean serving() {
        return !closed && queue.drainer == this;
    }

    private void await(String accountId) {
        Long seq = queue.latestByAccount.get(accountId);
        if ((seq == null || queue.filedUpTo >= seq) && queue.started) {
            return;
        }
        long deadline = System.currentTimeMillis() + READ_WAIT_MILLIS;
        synchronized (queue.lock) {
            // before the start's replay is done, a crash's acknowledged deliveries may be missing
            // nor while the drainer is stuck (a filing waiting 30 s): a stale read beats every read hanging
            for (long left; (!queue.started || seq != null && queue.filedUpTo < seq) && serving() && !db.unreachable()
                    && queue.oldestWaitMillis() <= MAX_WAIT_MILLIS && (left = deadline - System.currentTimeMillis()) > 0; ) {
                try {
                    queue.lock.wait(Math.min(left, RETRY_MILLIS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Journals the filings and returns once they and their bodies are durable: the delivery may
     * be acknowledged, and the drainer files it shortly.
     *
     * @return false when not journaled (not ready, a backlog, the database unreachable, a body not
     *         in the journal's current segment): the caller files at once
     * @throws IOException when the journal failed: nothing is filed, the delivery is refused
     */
    boolean submit(List<Filing> filings) throws IOException {
        if (db.unreachable()) {
            // with the database away the delivery is refused (451), as before journaled filing,
            // rather than piling up acknowledged mail nobody can read
            return false;
        }
        byte[] payload = encode(filings);
        List<BlobId> bodies = new ArrayList<>(filings.size());
        for (Filing f : filings) {
            bodies.add(f.message().body());
        }
        Pending p;
        synchronized (queue.lock) {
            if (!ready() || !queue.started || queue.pending.size() >= MAX_PENDING) {
                return false;
            }
            Pending head = queue.pending.peek();
            if (head != null && System.currentTimeMillis() - head.journaledAt > MAX_WAIT_MILLIS) {
                return false;
            }
            BlobJournal.Ticket t = blobs.journalFiling(queue.nextSeq, payload, bodies);
            if (t == null) {
                return false;
            }
            p = new Pending(queue.nextSeq++, t, filings);
            queue.pending.add(p);
            for (Filing f : filings) {
                queue.latestByAccount.merge(f.accountId(), p.seq, Math::max);
            }
            if (queue.idle) {
                queue.lock.notifyAll(); // only then: a wake-up per delivery would cost every one a context switch
            }
        }
        boolean ok = false;
        try {
            blobs.awaitJournaled(p.ticket); // the bodies are in the same segment, before it
            blobs.awaitFiled(bodies); // already durable: forgets them
            ok = true;
        } finally {
            blobs.doneJournaling(p.ticket);
            p.outcome(ok);
        }
        return true;
    }

    // ---- the drainer ----

    private void run() {
        synchronized (queue.lock) {
            queue.drainer = this; // an older one still ending stops taking batches
        }
        try {
            while (!startOnce()) {
                if (closed || !sleep(RETRY_MILLIS)) {
                    return;
                }
            }
            while (true) {
                synchronized (queue.lock) {
                    if (queue.drainer != this) {
                        return; // a newer drainer took over
                    }
                    while (queue.pending.isEmpty() && !closed) {
                        queue.idle = true;
                        try {
                            queue.lock.wait();
                        } catch (InterruptedException e) {
                            return;
                        } finally {
                            queue.idle = false;
                        }
                    }
                    if (queue.pending.isEmpty()) {
                        return; // closed, nothing left
                    }
                }
                if (!gather()) {
                    return;
                }
                queue.draining.lock();
                try {
                    if (!fileBatch()) {
                        return;
                    }
                } finally {
                    queue.draining.unlock();
                }
            }
        } finally {
            synchronized (queue.lock) {
                if (queue.drainer == this) {
                    queue.drainer = null;
                }
                queue.lock.notifyAll(); // readers stop waiting for this drainer
            }
        }
    }

    /** @return whether the queue is started (by this drainer or an earlier one) */
    private boolean startOnce() {
        queue.draining.lock();
        try {
            synchronized (queue.lock) {
                if (queue.started) {
                    return true;
                }
            }
            start();
            return true;
        } catch (RuntimeException e) {
            logError("cannot file the journal's filings yet (retrying)", e);
            return false;
        } finally {
            queue.draining.unlock();
        }
    }

    /** Reads (or makes) the "filed up to" row and files what a crash left in the journal above it. */
    private void start() {
        long mark = db.transaction(c -> {
            List<Long> found = Database.query(c, "SELECT filed_seq FROM journal_filed WHERE journal_id = ?",
                    ps -> ps.setString(1, journalId), rs -> rs.getLong(1));
            if (found.isEmpty()) {
                Database.update(c, "INSERT INTO journal_filed (journal_id, filed_seq) VALUES (?, 0)",
                        ps -> ps.setString(1, journalId));
                return 0L;
            }
            return found.get(0);
        });
        List<BlobJournal.RecoveredFiling> left = new ArrayList<>();
        long highest = mark;
        for (BlobJournal.Recovered r : blobs.recoveredBlobs()) {
            for (BlobJournal.RecoveredFiling f : r.filings()) {
                highest = Math.max(highest, f.seq());
                if (f.seq() > mark) {
                    left.add(f);
                }
            }
        }
        left.sort(Comparator.comparingLong(BlobJournal.RecoveredFiling::seq));
        long filed = mark;
        List<Delivery> chunk = new ArrayList<>();
        int rows = 0;
        for (int i = 0; i < left.size(); i++) {
            BlobJournal.RecoveredFiling f = left.get(i);
            try {
                Delivery d = new Delivery(f.seq(), decode(f.payload()));
                chunk.add(d);
                rows += d.filings().size();
            } catch (RuntimeException e) {
                // its CRC held, so a bug wrote it: one delivery lost, not the node's start
                LOG.error("Postern filing: journaled delivery {} cannot be read and is not filed: {}", f.seq(),
                        e.getClass().getName());
            }
            if (rows >= MAX_BATCH_ROWS || i == left.size() - 1) {
                // an account removed since: nothing filed for it, and the reaper unlinks its body
                if (!fileInOrder(chunk, filed, f.seq())) {
                    throw new IllegalStateException("stopped while filing the journal's filings");
                }
                filed = f.seq();
                chunk = new ArrayList<>();
                rows = 0;
            }
        }
        if (!left.isEmpty()) {
            LOG.info("Postern filing: filed {} deliveries from the journal after a crash", left.size());
        }
        blobs.filingsReplayed = true;
        blobs.filingJournaled = true;
        synchronized (queue.lock) {
            queue.nextSeq = highest + 1;
            queue.filedUpTo = filed;
            queue.started = true;
            queue.lock.notifyAll(); // the reads that waited for the replay
        }
        db.pendingDeletionsRecorded(); // wakes the reaper: the recovered bodies may be checked now
    }

    /** Lets company come for {@code batchMillis} (cut short by close). False when interrupted. */
    private boolean gather() {
        long until = System.currentTimeMillis() + batchMillis;
        synchronized (queue.lock) {
            for (long left; !closed && (left = until - System.currentTimeMillis()) > 0; ) {
                try {
                    queue.lock.wait(left);
                } catch (InterruptedException e) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Files the batch at the head of the queue (its refused filings left out) and takes it off.
     * Under {@code queue.draining}.
     *
     * @return false when interrupted (closing)
     */
    private boolean fileBatch() {
        List<Pending> batch = new ArrayList<>();
        synchronized (queue.lock) {
            int rows = 0;
            for (Pending p : queue.pending) {
                if (!batch.isEmpty() && rows + p.filings.size() > MAX_BATCH_ROWS) {
                    break;
                }
                batch.add(p);
                rows += p.filings.size();
            }
        }
        if (batch.isEmpty()) {
            return true; // another drainer took them
        }
        List<Delivery> acknowledged = new ArrayList<>();
        try {
            for (Pending p : batch) {
                if (p.awaitOutcome()) {
                    acknowledged.add(new Delivery(p.seq, p.filings));
                }
            }
        } catch (InterruptedException e) {
            return false;
        }
        long last = batch.get(batch.size() - 1).seq;
        if (!fileInOrder(acknowledged, queue.filedUpTo, last)) {
            return false;
        }
        synchronized (queue.lock) {
            for (int i = 0; i < batch.size(); i++) {
                queue.pending.poll();
            }
            queue.filedUpTo = last;
            queue.lock.notifyAll();
        }
        for (Pending p : batch) {
            blobs.filed(p.ticket);
        }
        queue.latestByAccount.values().removeIf(seq -> seq <= last);
        return true;
    }

    /** One delivery's filings and its record's sequence number. */
    private record Delivery(long seq, List<Filing> filings) {
    }

    /**
     * Files the deliveries and moves the mark from {@code from} to {@code last} (the batch's last
     * record, refused ones included) in one transaction, trying again until that works: every
     * one of them was acknowledged. A database that refuses the batch for its content gets each
     * delivery on its own; any other failure (unreachable, a lock timeout, a deadlock victim) is
     * tried again, every second. When the mark is not at {@code from} (a try that committed as
     * its connection went, or an earlier drainer's), the deliveries at or below it are filed
     * already and are dropped: the mark is what says what is filed.
     *
     * @return false when interrupted (closing)
     */
    private boolean fileInOrder(List<Delivery> acknowledged, long from, long last) {
        List<Delivery> todo = acknowledged;
        while (true) {
            if (from >= last) {
                return true;
            }
            List<Filing> all = new ArrayList<>();
            for (Delivery d : todo) {
                all.addAll(d.filings());
            }
            try {
                file(all, from, last);
                return true;
            } catch (AlreadyFiled moved) {
                Long now = markNow();
                if (now == null) {
                    if (!sleep(RETRY_MILLIS)) {
                        return false;
                    }
                    continue;
                }
                from = now;
                todo = above(todo, now);
            } catch (RuntimeException e) {
                if (refusedForContent(e)) {
                    return fileOneByOne(todo, from, last);
                }
                logError(todo.size() + " acknowledged deliveries not filed yet, retrying", e);
                if (!sleep(RETRY_MILLIS)) {
                    return false;
                }
            }
        }
    }

    private static List<Delivery> above(List<Delivery> deliveries, long mark) {
        List<Delivery> out = new ArrayList<>();
        for (Delivery d : deliveries) {
            if (d.seq() > mark) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * Each delivery of a batch in its own transaction. One the database refuses for its content
     * (a data or integrity error, every time) is given up, logged as ERROR with its sequence
     * number: that loses an acknowledged message, but holding it would hold every later delivery
     * of this node for good. Its bodies go with the sweep for orphans.
     */
    private boolean fileOneByOne(List<Delivery> acknowledged, long from, long last) {
        long mark = from;
        for (Delivery d : acknowledged) {
            while (d.seq() > mark) {
                try {
                    file(d.filings(), mark, d.seq());
                    mark = d.seq();
                } catch (AlreadyFiled moved) {
                    Long now = markNow();
                    if (now != null) {
                        mark = now; // at or past d: filed already; below: try again from there
                    } else if (!sleep(RETRY_MILLIS)) {
                        return false;
                    }
                } catch (RuntimeException e) {
                    if (refusedForContent(e)) {
                        LOG.error("Postern filing: the database refuses journaled delivery {} ({} copies), given up: {}",
                                d.seq(), d.filings().size(), describe(e));
                        break;
                    }
                    logError("journaled delivery " + d.seq() + " not filed yet, retrying", e);
                    if (!sleep(RETRY_MILLIS)) {
                        return false;
                    }
                }
            }
        }
        return fileInOrder(List.of(), mark, last); // the mark past the given-up and refused ones
    }

    /** Files these filings and moves the mark from {@code from} to {@code last}, in one transaction. */
    private void file(List<Filing> all, long from, long last) {
        if (last <= from) {
            throw new IllegalStateException("the mark never moves back: " + from + " to " + last);
        }
        Database.Work<Void> mark = c -> {
            // first: a second try of a batch that committed waits here for that commit, then
            // finds the mark moved and rolls back
            if (Database.update(c, "UPDATE journal_filed SET filed_seq = ? WHERE journal_id = ? AND filed_seq = ?", ps -> {
                ps.setLong(1, last);
                ps.setString(2, journalId);
                ps.setLong(3, from);
            }) != 1) {
                throw new AlreadyFiled();
            }
            return null;
        };
        if (all.isEmpty()) {
            db.transaction(mark);
            return;
        }
        long[] uids = repository.fileJournaled(all, mark);
        for (int i = 0; i < uids.length; i++) {
            if (uids[i] < 0) { // the account was removed since the RCPT
                try {
                    blobs.delete(all.get(i).message().body());
                } catch (IOException | RuntimeException e) {
                    // unreferenced: the blob store's sweep for orphans takes it
                }
            }
        }
    }

    /** The database's mark now; null when it cannot be read. */
    private Long markNow() {
        try {
            List<Long> mark = db.query("SELECT filed_seq FROM journal_filed WHERE journal_id = ?",
                    ps -> ps.setString(1, journalId), rs -> rs.getLong(1));
            if (mark.isEmpty()) {
                throw new IllegalStateException("journal " + journalId + " has no row in journal_filed");
            }
            return mark.get(0);
        } catch (RuntimeException e) {
            logError("cannot read the filed-up-to mark, retrying", e);
            return null;
        }
    }

    /** SQLState class 22 (data exception) or 23 (integrity constraint): the same every time. */
    private static boolean refusedForContent(RuntimeException e) {
        if (StoreUnavailableException.isCause(e) || e instanceof AlreadyFiled) {
            return false;
        }
        if (e instanceof IllegalArgumentException) {
            return true; // a structure out of bounds
        }
        String state = sqlState(e);
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    private static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                return s.getSQLState();
            }
        }
        return null;
    }

    /** The exception's class and SQLState: a database's message may quote the values (addresses). */
    private static String describe(RuntimeException e) {
        String state = sqlState(e);
        return e.getClass().getSimpleName() + (state == null ? "" : " (SQLState " + state + ")");
    }

    /** At most one line a minute: a database away for an hour is one problem, not 3,600. */
    private void logError(String what, RuntimeException e) {
        long now = System.currentTimeMillis();
        if (now - lastErrorLogged >= 60_000) {
            lastErrorLogged = now;
            LOG.error("Postern filing: {}: {}", what, describe(e));
        }
    }

    private boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /**
     * Stops taking filings and lets the drainer file what is waiting (up to 10 s); what is left
     * stays in the queue for the next drainer, or in the journal, which keeps those segments
     * for the next start.
     */
    @Override
    public void close() {
        synchronized (queue.lock) {
            closed = true; // under the lock: no submit adds a filing after this drainer looked
            queue.lock.notifyAll();
        }
        try {
            drainer.join(10_000);
            if (drainer.isAlive()) {
                drainer.interrupt();
                drainer.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** For tests: the drainer stops at once, filing nothing more, as in a crash. */
    void abandon() {
        synchronized (queue.lock) {
            closed = true;
        }
        drainer.interrupt();
        try {
            drainer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the record ----

    static byte[] encode(List<Filing> filings) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(filings.size());
            for (Filing f : filings) {
                IncomingMessage m = f.message();
                out.writeUTF(f.accountId());
                out.writeUTF(f.folder());
                out.writeUTF(m.accountId());
                out.writeUTF(m.recipient().toString());
                writeNullable(out, m.envelopeSender());
                SendingServer s = m.sendingServer();
                out.writeBoolean(s != null);
                if (s != null) {
                    writeNullable(out, s.ip());
                    writeNullable(out, s.ehloName());
                    writeNullable(out, s.confirmedName());
                }
                out.writeUTF(m.body().value());
                out.writeLong(m.size());
                out.writeLong(m.received().toEpochMilli());
                out.writeInt(f.structure() == null ? -1 : f.structure().length);
                if (f.structure() != null) {
                    out.write(f.structure());
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array does not fail
        }
    }

    static List<Filing> decode(byte[] payload) {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
            int n = in.readInt();
            List<Filing> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String accountId = in.readUTF();
                String folder = in.readUTF();
                String messageAccount = in.readUTF();
                MailAddress recipient = MailAddress.parse(in.readUTF());
                String sender = readNullable(in);
                SendingServer s = in.readBoolean() ? new SendingServer(readNullable(in), readNullable(in), readNullable(in)) : null;
                BlobId body = BlobId.of(in.readUTF());
                long size = in.readLong();
                Instant received = Instant.ofEpochMilli(in.readLong());
                int length = in.readInt();
                byte[] structure = length < 0 ? null : in.readNBytes(length);
                out.add(new Filing(accountId, folder,
                        new IncomingMessage(messageAccount, recipient, sender, s, body, size, received), structure));
            }
            return out;
        } catch (IOException e) {
            // the record's CRC held: only a bug writes what cannot be read back
            throw new IllegalStateException("a journaled filing cannot be read: " + e, e);
        }
    }

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
