package org.postern.store.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.postern.api.address.MailAddress;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.SendingServer;
import org.postern.api.store.BlobId;
import org.postern.core.store.MessageRepository.Filing;
import org.postern.core.store.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Journaled filing: an MX delivery's filing goes into the blob journal as a record of its own,
 * after its bodies, and the delivery is acknowledged once one journal flush covers them all; a
 * drainer thread files the records into the database afterwards, in journal order, many in one
 * transaction. See the store README, "Journaled filing".
 *
 * <p>Exactly once: each record has a sequence number, and the transaction that files a batch also
 * sets this journal's "filed up to" row ({@code journal_filed}) to the batch's last number. After
 * a crash the records above that number are filed from the recovered segments before the reaper
 * looks for orphans, and a segment is not checkpointed while one of its records is unfiled.
 *
 * <p>Read your own mail: every read of an account waits ({@link #awaitFor}) until the filings
 * journaled for it so far are in the database, so IMAP, POP3 and the webmail never miss a
 * message that got its {@code 250}.
 */
final class JournaledFilings implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JournaledFilings.class);
    /** How long the drainer lets company gather before a batch: one commit for all that came meanwhile. */
    static final long BATCH_MILLIS = 5;
    static final int MAX_BATCH = 512;
    /** Beyond this many filings waiting for the database, deliveries are filed at once (and wait for it). */
    static final int MAX_PENDING = 20_000;
    /** A read waits at most this long for an account's journaled filings (the database may be down). */
    static final long READ_WAIT_MILLIS = 30_000;
    private static final long RETRY_MILLIS = 1_000;

    /** The one running (a store per framework): what the repositories' reads wait on. */
    private static volatile JournaledFilings current;

    private final Database db;
    private final FileBlobStore blobs;
    private final JdbcMessageRepository repository;
    private final String journalId;
    private final Object lock = new Object();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>(); // in sequence order; under lock
    private long nextSeq; // under lock
    private boolean idle; // the drainer waits for a first filing; under lock
    private volatile long filedUpTo;
    private volatile boolean ready;
    private volatile boolean closed;
    /** The highest sequence number journaled for each account whose filings are not all filed. */
    private final ConcurrentHashMap<String, Long> latestByAccount = new ConcurrentHashMap<>();
    private final Thread drainer;
    private final long batchMillis;

    /** A journaled filing: acknowledged (or refused) by its delivery once the flush said so. */
    private static final class Pending {
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

    JournaledFilings(Database db, FileBlobStore blobs, JdbcMessageRepository repository, long batchMillis) {
        this.batchMillis = batchMillis;
        this.db = db;
        this.blobs = blobs;
        this.repository = repository;
        this.journalId = blobs.journalId();
        current = this;
        drainer = new Thread(this::run, "postern-filing-drainer");
        drainer.setDaemon(true);
        drainer.start();
    }

    /** Waits until every filing journaled so far for this account is in the database. */
    static void awaitFor(String accountId) {
        JournaledFilings f = current;
        if (f != null && accountId != null) {
            f.await(accountId);
        }
    }

    /**
     * A filing has waited for the database longer than a minute (it is down, or refuses): then a
     * body older than the orphan sweep's grace may be one whose row is still to come.
     */
    static boolean backlogged() {
        JournaledFilings f = current;
        if (f == null) {
            return false;
        }
        synchronized (f.lock) {
            Pending head = f.pending.peek();
            return head != null && System.currentTimeMillis() - head.journaledAt > 60_000;
        }
    }

    boolean ready() {
        return ready && !closed;
    }

    private void await(String accountId) {
        Long seq = latestByAccount.get(accountId);
        if (ready && (seq == null || filedUpTo >= seq)) {
            return;
        }
        long deadline = System.currentTimeMillis() + READ_WAIT_MILLIS;
        synchronized (lock) {
            // before the start's replay is done, a crash's acknowledged deliveries may be missing
            for (long left; (!ready || seq != null && filedUpTo < seq) && !closed
                    && (left = deadline - System.currentTimeMillis()) > 0; ) {
                try {
                    lock.wait(left);
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
     * @return false when not journaled (not ready, too many waiting, the journal cannot take it):
     *         the caller files at once
     * @throws IOException when the journal failed: nothing is filed, the delivery is refused
     */
    boolean submit(List<Filing> filings) throws IOException {
        if (!ready() || db.unreachable()) {
            // with the database away the delivery is refused (451), as before journaled filing,
            // rather than piling up acknowledged mail nobody can read
            return false;
        }
        byte[] payload = encode(filings);
        Pending p;
        synchronized (lock) {
            if (pending.size() >= MAX_PENDING) {
                return false;
            }
            BlobJournal.Ticket t = blobs.journalFiling(nextSeq, payload);
            if (t == null) {
                return false;
            }
            p = new Pending(nextSeq++, t, filings);
            pending.add(p);
            for (Filing f : filings) {
                latestByAccount.merge(f.accountId(), p.seq, Math::max);
            }
            if (idle) {
                lock.notifyAll(); // only then: a wake-up per delivery would cost every one a context switch
            }
        }
        boolean ok = false;
        try {
            List<BlobId> bodies = new ArrayList<>();
            for (Filing f : filings) {
                bodies.add(f.message().body());
            }
            blobs.awaitFiled(bodies);
            blobs.awaitJournaled(p.ticket);
            ok = true;
        } finally {
            blobs.doneJournaling(p.ticket);
            p.outcome(ok);
        }
        return true;
    }

    // ---- the drainer ----

    private void run() {
        while (!closed && !ready) {
            try {
                start();
            } catch (RuntimeException e) {
                LOG.warn("Postern filing: cannot file the journal's filings yet (retrying): {}", e.toString());
                if (!sleep(RETRY_MILLIS)) {
                    return;
                }
            }
        }
        while (true) {
            List<Pending> batch = new ArrayList<>();
            synchronized (lock) {
                while (pending.isEmpty() && !closed) {
                    idle = true;
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    } finally {
                        idle = false;
                    }
                }
                if (pending.isEmpty()) {
                    return; // closed, nothing left
                }
            }
            if (!gather()) {
                return;
            }
            synchronized (lock) {
                for (Pending p : pending) {
                    if (batch.size() >= MAX_BATCH) {
                        break;
                    }
                    batch.add(p);
                }
            }
            if (!fileBatch(batch)) {
                return;
            }
        }
    }

    /** Reads (or makes) the "filed up to" row and files what a crash left in the journal above it. */
    private void start() {
        Long[] mark = {null};
        db.transaction(c -> {
            List<Long> found = Database.query(c, "SELECT filed_seq FROM journal_filed WHERE journal_id = ?",
                    ps -> ps.setString(1, journalId), rs -> rs.getLong(1));
            if (found.isEmpty()) {
                Database.update(c, "INSERT INTO journal_filed (journal_id, filed_seq) VALUES (?, 0)",
                        ps -> ps.setString(1, journalId));
                mark[0] = 0L;
            } else {
                mark[0] = found.get(0);
            }
            return null;
        });
        long filed = mark[0];
        List<BlobJournal.RecoveredFiling> left = new ArrayList<>();
        long highest = filed;
        for (BlobJournal.Recovered r : blobs.recoveredBlobs()) {
            for (BlobJournal.RecoveredFiling f : r.filings()) {
                highest = Math.max(highest, f.seq());
                if (f.seq() > filed) {
                    left.add(f);
                }
            }
        }
        left.sort(Comparator.comparingLong(BlobJournal.RecoveredFiling::seq));
        int replayed = 0;
        for (int from = 0; from < left.size(); from += MAX_BATCH) {
            List<BlobJournal.RecoveredFiling> part = left.subList(from, Math.min(left.size(), from + MAX_BATCH));
            List<Delivery> deliveries = new ArrayList<>();
            for (BlobJournal.RecoveredFiling f : part) {
                deliveries.add(new Delivery(f.seq(), decode(f.payload())));
            }
            // an account removed since: nothing filed for it, and the reaper unlinks its body
            if (!fileInOrder(deliveries, part.get(part.size() - 1).seq())) {
                throw new IllegalStateException("interrupted");
            }
            replayed += part.size();
        }
        if (replayed > 0) {
            LOG.info("Postern filing: filed {} deliveries from the journal after a crash", replayed);
        }
        blobs.filingsReplayed = true;
        blobs.filingJournaled = true;
        synchronized (lock) {
            nextSeq = highest + 1;
            filedUpTo = highest;
            ready = true;
            lock.notifyAll(); // the reads that waited for the replay
        }
        db.pendingDeletionsRecorded(); // wakes the reaper: the recovered bodies may be checked now
    }

    private void markFiled(java.sql.Connection c, long seq) throws java.sql.SQLException {
        Database.update(c, "UPDATE journal_filed SET filed_seq = ? WHERE journal_id = ? AND filed_seq < ?", ps -> {
            ps.setLong(1, seq);
            ps.setString(2, journalId);
            ps.setLong(3, seq);
        });
    }

    private long markInDatabase() {
        return db.query("SELECT filed_seq FROM journal_filed WHERE journal_id = ?", ps -> ps.setString(1, journalId),
                rs -> rs.getLong(1)).get(0);
    }

    /**
     * Files one batch (its refused filings left out) and moves the mark past it, trying again
     * until that works: every one of them was acknowledged. A lost database may have committed:
     * then the mark says so.
     *
     * @return false when interrupted (closing)
     */
    private boolean fileBatch(List<Pending> batch) {
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
        if (!fileInOrder(acknowledged, batch.get(batch.size() - 1).seq)) {
            return false;
        }
        long last = batch.get(batch.size() - 1).seq;
        synchronized (lock) {
            for (int i = 0; i < batch.size(); i++) {
                pending.poll();
            }
            filedUpTo = last;
            lock.notifyAll();
        }
        for (Pending p : batch) {
            blobs.filed(p.ticket);
        }
        latestByAccount.values().removeIf(seq -> seq <= last);
        return true;
    }

    /** One delivery's filings and its record's sequence number. */
    private record Delivery(long seq, List<Filing> filings) {
    }

    /**
     * Files the deliveries and moves the mark to {@code last} (the batch's last record, refused
     * ones included), in one transaction, trying again until that works: every one of them was
     * acknowledged. A lost database may have committed: then the mark says so.
     *
     * @return false when interrupted (closing)
     */
    private boolean fileInOrder(List<Delivery> acknowledged, long last) {
        List<Filing> all = new ArrayList<>();
        for (Delivery d : acknowledged) {
            all.addAll(d.filings());
        }
        for (int attempt = 0;; attempt++) {
            try {
                file(all, last);
                return true;
            } catch (RuntimeException e) {
                if (!StoreUnavailableException.isCause(e)) {
                    // the database refuses something in the batch: each delivery on its own, so
                    // that one bad delivery is the only one held up
                    return fileOneByOne(acknowledged, last);
                }
                if (committed(last)) {
                    return true; // it committed before the connection went
                }
                if (attempt == 0 || attempt % 60 == 0) {
                    LOG.error("Postern filing: {} acknowledged deliveries not yet filed (the database is unreachable), "
                            + "retrying: {}", acknowledged.size(), e.toString());
                }
                if (!sleep(RETRY_MILLIS)) {
                    return false;
                }
            }
        }
    }

    /** Files these filings and moves the mark to {@code last} in one transaction. */
    private void file(List<Filing> all, long last) {
        if (all.isEmpty()) {
            db.transaction(c -> {
                markFiled(c, last);
                return null;
            });
            return;
        }
        dropBodiesOfGoneAccounts(all, repository.fileJournaled(all, c -> {
            markFiled(c, last);
            return null;
        }));
    }

    private boolean committed(long last) {
        try {
            return markInDatabase() >= last;
        } catch (RuntimeException stillDown) {
            return false;
        }
    }

    /**
     * Each delivery of a batch in its own transaction. One the database refuses three times
     * (not for being unreachable) is given up, logged as ERROR with its recipients' count and
     * sequence number; its bodies stay until the sweep for orphans. That loses an acknowledged
     * message, but holding it would hold every later delivery of this node for good.
     */
    private boolean fileOneByOne(List<Delivery> acknowledged, long last) {
        for (Delivery p : acknowledged) {
            for (int refused = 0;;) {
                try {
                    file(p.filings(), p.seq());
                    break;
                } catch (RuntimeException e) {
                    if (StoreUnavailableException.isCause(e) ? committed(p.seq()) : ++refused >= 3) {
                        if (!StoreUnavailableException.isCause(e)) {
                            LOG.error("Postern filing: the database refuses journaled delivery {} ({} copies); given up: {}",
                                    p.seq(), p.filings().size(), e.toString());
                        }
                        break;
                    }
                    if (!sleep(RETRY_MILLIS)) {
                        return false;
                    }
                }
            }
        }
        for (;;) {
            try {
                file(List.of(), last);
                return true;
            } catch (RuntimeException e) {
                if (committed(last) ) {
                    return true;
                }
                if (!sleep(RETRY_MILLIS)) {
                    return false;
                }
            }
        }
    }

    private void dropBodiesOfGoneAccounts(List<Filing> all, long[] uids) {
        for (int i = 0; i < uids.length; i++) {
            if (uids[i] < 0) {
                try {
                    blobs.delete(all.get(i).message().body());
                } catch (IOException | RuntimeException e) {
                    // unreferenced: the blob store's sweep for orphans takes it
                }
            }
        }
    }

    /** Lets company come for {@code batchMillis} (cut short by close). False when interrupted. */
    private boolean gather() {
        long until = System.currentTimeMillis() + batchMillis;
        synchronized (lock) {
            for (long left; !closed && (left = until - System.currentTimeMillis()) > 0; ) {
                try {
                    lock.wait(left);
                } catch (InterruptedException e) {
                    return false;
                }
            }
        }
        return true;
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
     * Stops taking filings and lets the drainer file what is waiting (briefly); what is left
     * stays in the journal, which keeps those segments for the next start.
     */
    @Override
    public void close() {
        closed = true;
        blobs.filingJournaled = false;
        synchronized (lock) {
            lock.notifyAll();
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
        if (current == this) {
            current = null;
        }
    }

    /** For tests: the drainer stops at once, filing nothing more, as in a crash. */
    void abandon() {
        closed = true;
        drainer.interrupt();
        try {
            drainer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (current == this) {
            current = null;
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
