package org.postern.dns.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsAnswer.Status;
import org.postern.api.dns.DnsResolver;
import org.postern.api.dns.MxRecord;
import org.postern.api.dns.TlsaRecord;
import org.postern.dns.internal.AnswerCache.Question;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * {@link DnsResolver} on dnsjava's asynchronous {@link Resolver#sendAsync(Message, java.util.concurrent.Executor)}:
 * a stub resolver asking recursive resolvers (configured, or those of {@code /etc/resolv.conf}),
 * with its own TTL-honouring cache ({@link AnswerCache}) and one upstream query per question in
 * flight however many callers ask it.
 * <p>
 * Queries set RD and AD (RFC 6840 §5.7: a validating resolver then reports the AD bit without
 * DNSSEC records being sent) and EDNS0 with a 1232-octet UDP payload; a truncated answer is asked
 * again over TCP. Completions run on two {@code postern-dns} threads that stop with the
 * component; on deactivation every pending question completes as {@link Status#TEMPFAIL}.
 */
@Component(service = DnsResolver.class, configurationPid = DnsConfig.PID,
        property = org.postern.api.smtp.CoreService.PROPERTY + "=true")
@Designate(ocd = DnsConfig.class)
public class DnsjavaResolver implements DnsResolver {
    private static final Logger LOG = LoggerFactory.getLogger(DnsjavaResolver.class);
    static final int EDNS_PAYLOAD = 1232;
    static final int MAX_CNAME_HOPS = 16;

    private final Settings settings;
    private final List<InetSocketAddress> servers;
    private final Resolver resolver;
    private final ScheduledThreadPoolExecutor executor;
    private final AnswerCache cache;
    private final Map<Question, CompletableFuture<DnsAnswer<Record>>> inFlight = new ConcurrentHashMap<>();
    private volatile boolean closed;

    @Activate
    public DnsjavaResolver(DnsConfig config, Map<String, Object> properties) {
        this(checked(config, properties));
    }

    DnsjavaResolver(Settings settings) {
        this.settings = settings;
        this.servers = settings.servers().isEmpty() ? ResolverConfig.getCurrentConfig().servers() : settings.servers();
        this.resolver = resolver(servers, settings);
        this.cache = new AnswerCache(settings.cacheBytes());
        AtomicInteger n = new AtomicInteger();
        this.executor = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, "postern-dns-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        LOG.info("Postern DNS: asking {} (timeout {} ms, cache {} KiB)", servers, settings.timeout().toMillis(),
                settings.cacheBytes() / 1024);
    }

    private static Settings checked(DnsConfig config, Map<String, Object> properties) {
        try {
            return Settings.from(config, properties);
        } catch (IllegalArgumentException e) {
            LOG.error("Postern DNS not started: {}", e.getMessage());
            throw e;
        }
    }

    /**
     * Each server is tried for half the timeout, at most two tries in all (the first two servers,
     * or the only one twice); {@link #ask} cuts the question off at the full timeout regardless.
     */
    private static Resolver resolver(List<InetSocketAddress> servers, Settings settings) {
        List<Resolver> simple = new ArrayList<>();
        for (InetSocketAddress server : servers) {
            SimpleResolver r = new SimpleResolver(server);
            r.setTimeout(settings.timeout().dividedBy(2));
            r.setEDNS(0, EDNS_PAYLOAD, 0, List.of());
            simple.add(r);
        }
        ExtendedResolver extended = new ExtendedResolver(simple);
        extended.setTimeout(settings.timeout());
        extended.setRetries(servers.size() == 1 ? 2 : 1);
        extended.setLoadBalance(false);
        return extended;
    }

    @Deactivate
    void close() {
        closed = true;
        executor.shutdownNow();
        for (CompletableFuture<DnsAnswer<Record>> pending : inFlight.values()) {
            pending.complete(DnsAnswer.failure(Status.TEMPFAIL));
        }
        cache.clear();
    }

    List<InetSocketAddress> servers() {
        return servers;
    }

    // ---- DnsResolver ----

    @Override
    public CompletionStage<DnsAnswer<String>> ptr(InetAddress address) {
        if (address == null) {
            return invalid();
        }
        return ask(ReverseMap.fromAddress(address), Type.PTR,
                r -> r instanceof PTRRecord p ? text(p.getTarget()) : null);
    }

    @Override
    public CompletionStage<DnsAnswer<InetAddress>> a(String name) {
        return ask(name, Type.A, r -> r instanceof ARecord a ? a.getAddress() : null);
    }

    @Override
    public CompletionStage<DnsAnswer<InetAddress>> aaaa(String name) {
        return ask(name, Type.AAAA, r -> r instanceof AAAARecord a ? a.getAddress() : null);
    }

    @Override
    public CompletionStage<DnsAnswer<MxRecord>> mx(String domain) {
        return ask(domain, Type.MX, r -> r instanceof MXRecord m ? new MxRecord(m.getPriority(), text(m.getTarget())) : null)
                .thenApply(a -> {
                    if (!a.isOk()) {
                        return a;
                    }
                    List<MxRecord> sorted = new ArrayList<>(a.records());
                    sorted.sort(Comparator.comparingInt(MxRecord::preference)); // stable: answer order within a preference
                    return a.withRecords(sorted);
                });
    }

    @Override
    public CompletionStage<DnsAnswer<String>> txt(String name) {
        return ask(name, Type.TXT, r -> {
            if (!(r instanceof TXTRecord t)) {
                return null;
            }
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            for (byte[] s : t.getStringsAsByteArrays()) {
                joined.writeBytes(s);
            }
            return joined.toString(StandardCharsets.UTF_8);
        });
    }

    @Override
    public CompletionStage<DnsAnswer<TlsaRecord>> tlsa(String name) {
        return ask(name, Type.TLSA, r -> r instanceof TLSARecord t
                ? new TlsaRecord(t.getCertificateUsage(), t.getSelector(), t.getMatchingType(),
                        t.getCertificateAssociationData())
                : null);
    }

    // ---- questions ----

    private <T> CompletionStage<DnsAnswer<T>> ask(String name, int type, Function<Record, T> convert) {
        Name n = name(name);
        if (n == null) {
            return invalid();
        }
        return ask(n, type, convert);
    }

    private <T> CompletionStage<DnsAnswer<T>> ask(Name name, int type, Function<Record, T> convert) {
        return ask(new Question(name, type)).thenApply(answer -> {
            List<T> values = new ArrayList<>(answer.records().size());
            for (Record r : answer.records()) {
                T v = convert.apply(r);
                if (v != null) {
                    values.add(v);
                }
            }
            return answer.withRecords(values);
        });
    }

    private static <T> CompletionStage<DnsAnswer<T>> invalid() {
        return CompletableFuture.completedFuture(DnsAnswer.failure(Status.INVALID));
    }

    /**
     * The cached answer, or the answer of the query already in flight for this question, or a new
     * query. Each caller gets its own copy of the shared future.
     */
    CompletableFuture<DnsAnswer<Record>> ask(Question q) {
        DnsAnswer<Record> hit = cache.get(q, System.nanoTime());
        if (hit != null) {
            return CompletableFuture.completedFuture(hit);
        }
        if (closed) {
            return CompletableFuture.completedFuture(DnsAnswer.failure(Status.TEMPFAIL));
        }
        CompletableFuture<DnsAnswer<Record>> mine = new CompletableFuture<>();
        CompletableFuture<DnsAnswer<Record>> shared = inFlight.putIfAbsent(q, mine);
        if (shared != null) {
            return shared.copy();
        }
        send(q, mine);
        return mine.copy();
    }

    private void send(Question q, CompletableFuture<DnsAnswer<Record>> result) {
        Message query = Message.newQuery(Record.newRecord(q.name(), q.type(), DClass.IN));
        query.getHeader().setFlag(Flags.AD);
        long start = System.nanoTime();
        try {
            ScheduledFuture<?> deadline = executor.schedule(
                    () -> finish(q, result, DnsAnswer.failure(Status.TIMEOUT)),
                    settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
            resolver.sendAsync(query, executor).whenComplete((response, error) -> {
                deadline.cancel(false);
                DnsAnswer<Record> answer;
                try {
                    answer = error != null ? failed(q, error, start) : answer(query, response);
                } catch (RuntimeException e) {
                    LOG.debug("Postern DNS: unusable answer to {}: {}", q, e.toString());
                    answer = DnsAnswer.failure(Status.TEMPFAIL);
                }
                finish(q, result, answer);
            });
        } catch (RejectedExecutionException e) {
            finish(q, result, DnsAnswer.failure(Status.TEMPFAIL));
        } catch (RuntimeException e) {
            LOG.debug("Postern DNS: could not ask {}: {}", q, e.toString());
            finish(q, result, DnsAnswer.failure(Status.TEMPFAIL));
        }
    }

    /**
     * Caches the answer, then forgets the question as in flight, then completes: whoever asks once
     * the caller has its answer finds the cache or sends a new query, never a spent future. A
     * response that arrives after the deadline is still cached; the completion is then a no-op.
     */
    private void finish(Question q, CompletableFuture<DnsAnswer<Record>> result, DnsAnswer<Record> answer) {
        if (!closed) {
            cache.put(q, answer, System.nanoTime());
        }
        inFlight.remove(q, result);
        result.complete(answer);
    }

    private DnsAnswer<Record> failed(Question q, Throwable error, long start) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        boolean late = System.nanoTime() - start >= settings.timeout().toNanos();
        if (late || cause instanceof SocketTimeoutException || cause instanceof TimeoutException
                || (cause instanceof IOException && String.valueOf(cause.getMessage()).startsWith("Timed out"))) {
            LOG.debug("Postern DNS: {} timed out", q);
            return DnsAnswer.failure(Status.TIMEOUT);
        }
        LOG.debug("Postern DNS: {} failed: {}", q, cause.toString());
        return DnsAnswer.failure(Status.TEMPFAIL);
    }

    /**
     * The records of the asked type at the end of the CNAME chain starting at the question name
     * (normalized first, so out-of-chain records are dropped), or a negative answer whose TTL
     * comes from the SOA in the authority section (RFC 2308 §5: without one it is not cached).
     */
    DnsAnswer<Record> answer(Message query, Message response) {
        int rcode = response.getRcode();
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            return DnsAnswer.failure(Status.TEMPFAIL);
        }
        boolean ad = response.getHeader().getFlag(Flags.AD);
        Message m = response.normalize(query);
        if (m == null) {
            return DnsAnswer.failure(Status.TEMPFAIL);
        }
        int type = query.getQuestion().getType();
        Name current = query.getQuestion().getName();
        long ttl = Long.MAX_VALUE;
        int hops = 0;
        List<Record> found = new ArrayList<>();
        for (RRset set : m.getSectionRRsets(Section.ANSWER)) {
            if (!set.getName().equals(current) || set.getDClass() != DClass.IN) {
                continue;
            }
            if (set.getType() == Type.CNAME && type != Type.CNAME) {
                if (++hops > MAX_CNAME_HOPS) {
                    return DnsAnswer.failure(Status.TEMPFAIL);
                }
                current = ((CNAMERecord) set.first()).getTarget();
                ttl = Math.min(ttl, set.getTTL());
            } else if (set.getType() == type) {
                found.addAll(set.rrs(false));
                ttl = Math.min(ttl, set.getTTL());
            }
        }
        if (!found.isEmpty()) {
            return DnsAnswer.ok(found, ad, Math.min(ttl, settings.maxTtlSeconds()));
        }
        long negative = 0;
        for (Record r : m.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                negative = Math.min(soa.getTTL(), soa.getMinimum());
                break;
            }
        }
        negative = Math.min(Math.min(negative, ttl), settings.maxNegativeTtlSeconds());
        return DnsAnswer.none(rcode == Rcode.NXDOMAIN ? Status.NXDOMAIN : Status.NODATA, ad, negative);
    }

    // ---- names ----

    /** An absolute name, or null when the text is not one (too long, empty label, bad IDN). */
    static Name name(String text) {
        if (text == null) {
            return null;
        }
        String s = text.trim();
        if (s.isEmpty() || s.equals("@")) { // "@" would be the origin (the root) to dnsjava
            return null;
        }
        if (!s.chars().allMatch(c -> c < 0x80)) {
            try {
                s = org.postern.api.address.DomainName.normalizeLabels(s); // the one IDN form (UTS #46)
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        try {
            return Name.fromString(s, Name.root);
        } catch (TextParseException e) {
            return null;
        }
    }

    /** Lower case, no trailing dot; the root is {@code "."}. */
    static String text(Name name) {
        return name.equals(Name.root) ? "." : name.toString(true).toLowerCase(Locale.ROOT);
    }
}
