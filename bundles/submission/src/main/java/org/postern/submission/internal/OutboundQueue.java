package org.postern.submission.internal;

import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.account.Resolution;
import org.postern.api.dns.DnsResolver;
import org.postern.api.mail.AccountGoneException;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.MailStore;
import org.postern.api.mail.SendingServer;
import org.postern.api.policy.RecipientPolicy;
import org.postern.api.policy.RecipientVerdict;
import org.postern.api.smtp.CoreService;
import org.postern.api.store.BlobId;
import org.postern.api.store.BlobStore;
import org.postern.core.store.OutboundRepository;
import org.postern.core.store.OutboundRepository.Outcome;
import org.postern.core.store.OutboundRepository.QueuedMessage;
import org.postern.core.store.OutboundRepository.Recipient;
import org.postern.core.store.OutboundRepository.RecipientState;
import org.postern.protocol.ServerTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound queue's engine on this node: takes messages in ({@link #submit}), delivers local
 * recipients at once and queues the rest durably, and sends what is due with a pool of its own
 * threads (blocking SMTP with timeouts; never a shared protocol worker). Retries temporary failures
 * with exponential backoff until the queue lifetime, then (or at once for a 5xx) sends the sender
 * a DSN. A message is worked on only under a lease from the store, so two nodes never send it at
 * once; a node that dies mid-send leaves the lease to expire and the message is sent again.
 */
@Component(service = OutboundQueue.class, immediate = true, configurationPid = OutboundConfig.PID)
@Designate(ocd = OutboundConfig.class)
public class OutboundQueue {
    private static final Logger LOG = LoggerFactory.getLogger(OutboundQueue.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * A destination at its connection limit: look again this soon. The attempt is recorded (its
     * count grows) but the next one is not backed off.
     */
    static final Duration BUSY_RETRY = Duration.ofSeconds(30);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile OutboundRepository repository;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile BlobStore blobs;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile MailStore mailStore;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile RecipientPolicy policy;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile DnsResolver dns;

    /** This bundle's DKIM keys; without it (or without a key for the sender's domain) mail goes unsigned. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile DkimKeyStore dkim;

    /** The TLS identity: its host name is the EHLO name when {@code hostname} is empty. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile ServerTls serverTls;

    private final OutboundSettings settings;
    private final String owner;
    private final Map<String, Semaphore> destinations = new ConcurrentHashMap<>();
    private final Map<String, Instant> unreachableUntil = new ConcurrentHashMap<>();
    /** Messages this node is sending now, by id, for lease renewal. */
    private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();
    private final Object wake = new Object();
    /** MTA-STS policies of recipient domains, kept across deliveries; null when MTA-STS is off. */
    private final MtaStsPolicies mtaSts;
    private final RemoteDelivery.TlsContexts tlsContexts;
    private ScheduledExecutorService scheduler;
    private ThreadPoolExecutor workers;
    private volatile boolean running;

    @Activate
    public OutboundQueue(OutboundConfig config) {
        this(OutboundSettings.from(config));
    }

    OutboundQueue(OutboundSettings settings) {
        this.settings = settings;
        this.owner = (OutboundSettings.machineName() + "/" + HexFormat.of().formatHex(randomBytes(6)));
        if (this.owner.length() > 64) {
            throw new IllegalStateException("owner too long");
        }
        OutboundSettings.TlsSettings t = settings.tls();
        this.tlsContexts = new RemoteDelivery.TlsContexts(TrustAll.context(), VerifiedTls.context(t.trustFile()));
        this.mtaSts = !t.mtaSts() ? null : new MtaStsPolicies(() -> dns,
                new HttpsPolicyFetcher(() -> dns, tlsContexts.verified(), t.mtaStsPort(),
                        (int) settings.connectTimeout().toMillis(), t.privateDestinations()),
                java.time.Clock.systemUTC(), settings.dnsTimeout().toMillis(), t.mtaStsCacheEntries());
    }

    @Activate
    void start() {
        running = true;
        AtomicInteger n = new AtomicInteger();
        workers = new ThreadPoolExecutor(settings.workers(), settings.workers(), 60, TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "postern-outbound-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "postern-outbound-queue");
            t.setDaemon(true);
            return t;
        });
        scheduler.execute(this::pollLoop);
        long renewEvery = Math.max(1, settings.lease().toMillis() / 3);
        renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "postern-outbound-lease");
            t.setDaemon(true);
            return t;
        });
        renewer.scheduleWithFixedDelay(this::renewLeases, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
        LOG.info("Postern outbound queue started ({} sending threads{})", settings.workers(),
                settings.smartHost() == null ? "" : ", smart host " + settings.smartHost().host() + ":"
                        + settings.smartHost().port());
    }

    private ScheduledExecutorService renewer;

    @Deactivate
    void stop() {
        running = false;
        synchronized (wake) {
            wake.notifyAll();
        }
        // No interrupts first: an interrupt inside a Derby call closes its connection, and the
        // store then reports the database unreachable (an ERROR on every clean stop). The poller
        // wakes and leaves; sessions end within their timeouts; whatever is still running after
        // that is interrupted, and its lease lets another node or the next start send it.
        // The poller first, so it hands no claimed message to a pool that no longer takes any.
        scheduler.shutdown();
        renewer.shutdown();
        try {
            if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
            }
            workers.shutdown();
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
            renewer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
            scheduler.shutdownNow();
        }
        renewer.shutdownNow();
        LOG.info("Postern outbound queue stopped");
    }

    // ---- taking mail in ----

    /** What became of one recipient at submission. */
    enum Disposition { DELIVERED, QUEUED, UNKNOWN }

    /**
     * Takes a message in: every recipient queued durably (one blob, fsync'ed before the rows) and
     * the queue woken, so local recipients are delivered within moments and remote ones sent.
     * Returns once the message is durable: the caller may answer 250.
     *
     * @param accountId the sending account (null for the service's own mail)
     * @param sender envelope sender ("" for the null sender)
     * @param body the final octets (with the submission's Received header)
     * @return the queue id
     * @throws IOException when the body cannot be stored; a RuntimeException when the store fails
     */
    String submit(String accountId, String sender, List<String> recipients, InputStream body) throws IOException {
        OutboundRepository repo = repository;
        BlobStore b = blobs;
        if (repo == null || b == null) {
            throw new IllegalStateException("the store is not available");
        }
        BlobId blob = b.put(body);
        String id = HexFormat.of().formatHex(randomBytes(16));
        Instant now = Instant.now();
        try {
            repo.enqueue(new OutboundRepository.NewMessage(id, accountId, sender, blob, b.size(blob), now, now,
                    now.plus(settings.lifetime()), recipients));
        } catch (RuntimeException e) {
            try {
                b.delete(blob);
            } catch (IOException | RuntimeException ignored) {
                // left to the collector of unreferenced blobs
            }
            throw e;
        }
        LOG.info("Postern outbound: queued {}, {} recipient(s)", id, recipients.size());
        wakeUp();
        return id;
    }

    /** Makes the poller look for due messages now. */
    void wakeUp() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    // ---- sending ----

    private void pollLoop() {
        while (running) {
            try {
                int free = settings.workers() - workers.getActiveCount() - workers.getQueue().size();
                OutboundRepository repo = repository;
                if (free > 0 && repo != null) {
                    Instant now = Instant.now();
                    List<QueuedMessage> due = repo.claimDue(owner, now, now.plus(settings.lease()), free);
                    for (QueuedMessage m : due) {
                        inFlight.put(m.id(), Boolean.TRUE);
                        workers.execute(() -> {
                            try {
                                attempt(m);
                            } finally {
                                inFlight.remove(m.id());
                                wakeUp();
                            }
                        });
                    }
                    if (!due.isEmpty()) {
                        continue;
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("Postern outbound: looking for due messages failed: {}", e.toString());
            }
            synchronized (wake) {
                if (!running) {
                    return;
                }
                try {
                    wake.wait(settings.poll().toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /**
     * One of the domain's connection slots, or null when all are taken. The map is pruned of
     * idle domains ({@link #prune}); a slot taken from a semaphore pruned meanwhile is given back
     * and taken from the domain's new one, so the limit holds across a prune.
     */
    private Semaphore slot(String domain) {
        while (true) {
            Semaphore s = destinations.computeIfAbsent(domain, d -> new Semaphore(settings.perDestination()));
            if (!s.tryAcquire()) {
                return null;
            }
            if (destinations.get(domain) == s) {
                return s;
            }
            s.release();
        }
    }

    /** Forgets domains with no connection open and pauses that ended: every domain ever sent to would otherwise stay. */
    private void prune() {
        int all = settings.perDestination();
        destinations.values().removeIf(s -> s.availablePermits() == all);
        Instant now = Instant.now();
        unreachableUntil.values().removeIf(until -> !until.isAfter(now));
    }

    private void renewLeases() {
        prune();
        OutboundRepository repo = repository;
        if (repo == null) {
            return;
        }
        Instant until = Instant.now().plus(settings.lease());
        for (String id : inFlight.keySet()) {
            try {
                if (!repo.renew(id, owner, until) && inFlight.containsKey(id)) {
                    // (a message whose attempt is being recorded has left inFlight first: its
                    // lease is released on purpose, not lost)
                    LOG.warn("Postern outbound: lost the lease on {} while sending it", id);
                }
            } catch (RuntimeException e) {
                LOG.debug("Postern outbound: renewing the lease on {} failed: {}", id, e.toString());
            }
        }
    }

    /** One attempt at every pending recipient of a claimed message. */
    void attempt(QueuedMessage m) {
        OutboundRepository repo = repository;
        BlobStore b = blobs;
        if (repo == null || b == null) {
            return; // the lease expires and another attempt follows
        }
        Instant now = Instant.now();
        List<Outcome> outcomes = new ArrayList<>();
        boolean onlyBusy = true;
        Map<String, List<Recipient>> remote = new LinkedHashMap<>();
        for (Recipient r : m.recipients()) {
            if (r.state() != RecipientState.PENDING) {
                continue;
            }
            RecipientVerdict verdict = classify(r.address(), m.sender());
            if (verdict == null) {
                outcomes.add(new Outcome(r.position(), RecipientState.PENDING, "4.3.0 Recipient policy not available"));
                onlyBusy = false;
            } else if (verdict.kind() == RecipientVerdict.Kind.ACCEPT) {
                outcomes.add(deliverLocally(m, r, verdict.resolution(), b));
                onlyBusy = false;
            } else if (verdict.kind() == RecipientVerdict.Kind.OUTBOUND) {
                String domain = domainOf(r.address());
                remote.computeIfAbsent(domain, d -> new ArrayList<>()).add(r);
            } else {
                outcomes.add(new Outcome(r.position(), RecipientState.FAILED,
                        "550 5.1.1 <" + r.address() + ">: Recipient address rejected: User unknown"));
                onlyBusy = false;
            }
        }
        for (Map.Entry<String, List<Recipient>> e : remote.entrySet()) {
            String domain = e.getKey();
            List<Recipient> rs = e.getValue();
            Instant pausedUntil = unreachableUntil.get(domain);
            if (pausedUntil != null && pausedUntil.isAfter(now) && settings.smartHost() == null) {
                for (Recipient r : rs) {
                    outcomes.add(new Outcome(r.position(), RecipientState.PENDING,
                            "4.4.1 Deferred: no server of " + domain + " answered recently"));
                }
                onlyBusy = false;
                continue;
            }
            Semaphore slots = slot(domain);
            if (slots == null) {
                for (Recipient r : rs) {
                    outcomes.add(new Outcome(r.position(), RecipientState.PENDING,
                            "4.4.5 Deferred: too many connections to " + domain));
                }
                continue;
            }
            onlyBusy = false;
            try {
                outcomes.addAll(sendRemote(m, domain, rs, b));
            } finally {
                slots.release();
            }
        }
        // past the queue's lifetime, a temporary failure is final
        boolean expired = !Instant.now().isBefore(m.expires());
        List<Outcome> finals = new ArrayList<>(outcomes.size());
        for (Outcome o : outcomes) {
            if (o.state() == RecipientState.PENDING && expired) {
                finals.add(new Outcome(o.position(), RecipientState.FAILED,
                        "4.4.7 Delivery time expired; last reply: " + o.reply()));
            } else {
                finals.add(o);
            }
        }
        Instant next = onlyBusy ? now.plus(BUSY_RETRY) : now.plus(backoff(m.attempts()));
        if (next.isAfter(m.expires()) && !expired) {
            next = m.expires(); // one last attempt at the end of the lifetime
        }
        // The DSN quotes the original header: made before the attempt is recorded, since the
        // message (and its body) leaves the queue with its last recipient.
        List<Dsn.Failure> failed = new ArrayList<>();
        for (Outcome o : finals) {
            if (o.state() == RecipientState.FAILED) {
                failed.add(new Dsn.Failure(addressOf(m, o.position()), o.reply()));
            }
        }
        byte[] dsn = failed.isEmpty() || m.sender().isEmpty() ? null : dsn(m, failed, b);
        boolean recorded;
        inFlight.remove(m.id()); // no more renewals: recording releases the lease
        try {
            recorded = repo.recordAttempt(m.id(), owner, finals, next);
        } catch (RuntimeException e) {
            LOG.warn("Postern outbound: recording the attempt on {} failed: {}", m.id(), e.toString());
            return;
        }
        if (!recorded) {
            LOG.warn("Postern outbound: {} was taken over by another node; its outcome here is not recorded", m.id());
            return;
        }
        for (Outcome o : finals) {
            String address = addressOf(m, o.position());
            switch (o.state()) {
                case DELIVERED -> LOG.info("Postern outbound: {} to <{}> delivered: {}", m.id(), address, o.reply());
                case FAILED -> LOG.info("Postern outbound: {} to <{}> failed: {}", m.id(), address, o.reply());
                case PENDING -> LOG.debug("Postern outbound: {} to <{}> deferred: {}", m.id(), address, o.reply());
            }
        }
        if (dsn != null) {
            try {
                String id = submit(null, "", List.of(m.sender()), new java.io.ByteArrayInputStream(dsn));
                LOG.info("Postern outbound: {} bounced to its sender as {}", m.id(), id);
            } catch (IOException | RuntimeException e) {
                LOG.warn("Postern outbound: the DSN for {} could not be queued: {}", m.id(), e.toString());
            }
        }
    }

    private static String addressOf(QueuedMessage m, int position) {
        for (Recipient r : m.recipients()) {
            if (r.position() == position) {
                return r.address();
            }
        }
        return "";
    }

    private RecipientVerdict classify(String address, String sender) {
        RecipientPolicy p = policy;
        if (p == null) {
            return null;
        }
        try {
            return p.decide(address, sender, List.of(), true);
        } catch (RuntimeException e) {
            LOG.debug("Postern outbound: recipient policy failed: {}", e.toString());
            return null;
        }
    }

    private Outcome deliverLocally(QueuedMessage m, Recipient r, Resolution resolution, BlobStore b) {
        MailStore store = mailStore;
        if (store == null) {
            return new Outcome(r.position(), RecipientState.PENDING, "4.3.0 Mail store not available");
        }
        BlobId copy = null;
        try {
            Optional<InputStream> in = b.open(m.blob());
            if (in.isEmpty()) {
                return new Outcome(r.position(), RecipientState.FAILED, "5.3.0 Queued message body lost");
            }
            try (InputStream body = in.get()) {
                copy = b.put(body);
            }
            store.deliver(new IncomingMessage(resolution.account().id(), resolution.address(), m.sender(),
                    new SendingServer("127.0.0.1", hostname(), hostname()), copy, b.size(copy),
                    Instant.now()), MailStore.INBOX);
            return new Outcome(r.position(), RecipientState.DELIVERED, "250 2.0.0 Delivered to a local mailbox");
        } catch (AccountGoneException gone) {
            deleteQuietly(b, copy);
            return new Outcome(r.position(), RecipientState.FAILED,
                    "550 5.1.1 <" + r.address() + ">: Recipient address rejected: User unknown");
        } catch (IOException | RuntimeException e) {
            deleteQuietly(b, copy);
            return new Outcome(r.position(), RecipientState.PENDING, "4.3.0 Local delivery failed: " + e.getMessage());
        }
    }

    private List<Outcome> sendRemote(QueuedMessage m, String domain, List<Recipient> rs, BlobStore b) {
        DnsResolver resolver = dns;
        List<Outcome> out = new ArrayList<>();
        if (resolver == null && settings.smartHost() == null) {
            for (Recipient r : rs) {
                out.add(new Outcome(r.position(), RecipientState.PENDING, "4.4.3 DNS resolver not available"));
            }
            return out;
        }
        RemoteDelivery delivery = new RemoteDelivery(resolver, new SmtpClient(clientSettings()), settings.smartHost(),
                settings.remotePort(), settings.dnsTimeout().toMillis(), tlsContexts, mtaSts, settings.tls().dane(),
                settings.tls().privateDestinations());
        List<String> addresses = rs.stream().map(Recipient::address).toList();
        boolean smtputf8 = !isAscii(m.sender()) || addresses.stream().anyMatch(a -> !isAscii(a));
        byte[] signature;
        try {
            signature = dkimSignature(m, b);
        } catch (IOException e) {
            LOG.warn("Postern outbound: {} not signed: {}", m.id(), e.getMessage());
            signature = new byte[0];
        }
        byte[] top = signature;
        RemoteDelivery.Verdicts v = delivery.deliver(domain, m.sender(), addresses, m.size() + top.length, true, smtputf8,
                () -> new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(top),
                        b.open(m.blob()).orElseThrow(() -> new IOException("queued message body lost"))));
        if (v.unreachable()) {
            unreachableUntil.put(domain, Instant.now().plus(settings.unreachablePause()));
        } else {
            unreachableUntil.remove(domain);
        }
        for (int i = 0; i < rs.size(); i++) {
            out.add(new Outcome(rs.get(i).position(), v.states().get(i), v.replies().get(i)));
        }
        return out;
    }

    /**
     * The DKIM-Signature fields for a message: signed as the envelope sender's domain (the one
     * submission authorized), with every key that domain or its nearest parent has. The null
     * sender's mail (DSNs) goes unsigned.
     */
    private byte[] dkimSignature(QueuedMessage m, BlobStore b) throws IOException {
        DkimKeyStore keys = dkim;
        int at = m.sender().lastIndexOf('@');
        if (keys == null || at < 0) {
            return new byte[0];
        }
        List<DkimSigner.Key> signing = keys.signingKeys(m.sender().substring(at + 1));
        if (signing.isEmpty()) {
            return new byte[0];
        }
        try (InputStream in = b.open(m.blob()).orElseThrow(() -> new IOException("queued message body lost"))) {
            return DkimSigner.sign(in, signing, Instant.now());
        }
    }

    private SmtpClient.Settings clientSettings() {
        return new SmtpClient.Settings(hostname(), (int) settings.connectTimeout().toMillis(),
                (int) settings.commandTimeout().toMillis(), settings.smartHost() == null ? null : settings.smartHostLogin());
    }

    /** The DSN for the failed recipients, to go from the null sender (RFC 5321 4.5.5: no bounce loops); null when it cannot be made. */
    private byte[] dsn(QueuedMessage m, List<Dsn.Failure> failed, BlobStore b) {
        try (InputStream original = b.open(m.blob()).orElse(InputStream.nullInputStream())) {
            return Dsn.build(hostname(), m.id(), m.sender(), failed, original, Instant.now());
        } catch (IOException | RuntimeException e) {
            LOG.warn("Postern outbound: the DSN for {} could not be made: {}", m.id(), e.toString());
            return null;
        }
    }

    Duration backoff(int attemptsSoFar) {
        long max = settings.retryMax().toMillis();
        long delay = Math.max(1, settings.retryInitial().toMillis());
        for (int i = 0; i < attemptsSoFar && delay < max; i++) {
            delay *= 2;
        }
        return Duration.ofMillis(Math.min(delay, max));
    }

    /**
     * The EHLO name (and the DSNs' reporting host): configured, else org.postern.tls's host name,
     * as the configuration documents, else this machine's. It was this machine's canonical name
     * whenever none was configured: an internal name (or a bare IP, an invalid EHLO argument)
     * that the remote server writes into the Received field every recipient sees.
     */
    String hostname() {
        if (!settings.hostname().isBlank()) {
            return settings.hostname();
        }
        ServerTls t = serverTls;
        return t != null ? t.hostname() : OutboundSettings.machineName();
    }

    String owner() {
        return owner;
    }

    private static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return (at < 0 ? "" : address.substring(at + 1)).toLowerCase(Locale.ROOT);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 127) {
                return false;
            }
        }
        return true;
    }

    private static void deleteQuietly(BlobStore b, BlobId blob) {
        if (blob == null) {
            return;
        }
        try {
            b.delete(blob);
        } catch (IOException | RuntimeException ignored) {
            // left to the collector of unreferenced blobs
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
