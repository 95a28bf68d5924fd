package org.postern.policy.internal;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.postern.api.account.Account;
import org.postern.api.account.AccountService;
import org.postern.api.account.AccountStatus;
import org.postern.api.account.AddressResolver;
import org.postern.api.account.DomainService;
import org.postern.api.account.Resolution;
import org.postern.api.address.MailAddress;
import org.postern.api.policy.CatchAllMode;
import org.postern.api.policy.RecipientVerdict;
import org.postern.core.store.PolicyRepository;

/**
 * DESIGN §4 says a refused recipient looks exactly like one that does not exist; issue 6 item 4
 * asks whether it also takes the same time. Side by side, the RCPT decision for
 * <ul>
 * <li>{@code unknown*}: an address at a hosted domain that resolves to no account (returns before
 * the account's lists are consulted), and</li>
 * <li>{@code blocked*}: an existing account whose Block List refuses the sender, the account
 * holding {@code entries} Block List and as many catch-all entries,</li>
 * </ul>
 * each {@code warm} (the account's compiled lists cached, the usual case) and {@code cold} (dropped
 * before every decision: the first RCPT after a change, a restart or an eviction). Both answers
 * are USER_UNKNOWN. Compare the p0.50 lines.
 *
 * <p>The accounts and the database are in-memory stand-ins, so a cold figure here is the
 * compilation alone; in production add the three database reads of a load. The unknown path's
 * account lookup is a hash lookup here, a database read in production.
 *
 * <pre>mvn -q -o -pl bundles/policy,benchmarks package -DskipTests &amp;&amp; java -jar benchmarks/target/benchmarks.jar RcptTiming</pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RcptTimingBenchmark {
    static final String ACCOUNT_ID = "0123456789abcdef0123456789abcdef";
    static final String KNOWN = "alice@example.net";
    static final String UNKNOWN = "bob@example.net";
    static final String SENDER = "x@evil.example";
    static final List<String> SERVERS = List.of("mail-out.innocent-sender.example.org", "innocent-sender.example.org");

    /** One engine with one account; the subclasses' {@code prepare} runs before every decision. */
    @State(Scope.Benchmark)
    public static class Engine {
        @Param({"100", "10000", "100000"})
        int entries;

        PolicyEngine engine;
        PolicyCache cache;

        @Setup(Level.Trial)
        public void setUp() {
            List<String> block = new ArrayList<>();
            List<String> catchAll = new ArrayList<>();
            for (int i = 0; i < entries - 1; i++) {
                switch (i % 4) {
                    case 0 -> block.add("spammer" + i + "@bulk" + (i % 97) + ".example");
                    case 1 -> block.add("@junk" + i + ".example");
                    case 2 -> block.add("server:mx" + i + ".spam" + (i % 89) + ".example");
                    default -> block.add("server:*.farm" + i + ".example");
                }
                catchAll.add(i % 2 == 0 ? "leaked" + i : "!shop" + i + "@example.net");
            }
            block.add("@evil.example");
            catchAll.add("leaked-last");
            Account alice = new Account(ACCOUNT_ID, MailAddress.parse(KNOWN), AccountStatus.ACTIVE, Instant.EPOCH, null);
            Map<String, Account> byAddress = Map.of(KNOWN, alice);
            DomainService domains = proxy(DomainService.class, (m, a) -> m.equals("isHosted") ? Boolean.TRUE : null);
            AddressResolver resolver = address -> {
                MailAddress a = MailAddress.parse(address);
                return Optional.ofNullable(byAddress.get(a.toString()))
                        .map(acc -> new Resolution(a, acc, Resolution.Kind.PRIMARY));
            };
            AccountService accounts = proxy(AccountService.class, (m, a) -> null);
            // A fresh list per read, as a database query returns.
            PolicyRepository repo = proxy(PolicyRepository.class, (m, a) -> switch (m) {
                case "entries" -> new ArrayList<>(a[1] == PolicyRepository.ListKind.BLOCK ? block : catchAll);
                case "catchAllMode" -> CatchAllMode.BLOCK.name();
                default -> null;
            });
            cache = new PolicyCache(10_000);
            engine = new PolicyEngine(domains, resolver, accounts, repo, cache);
            check(engine.decide(UNKNOWN, SENDER, SERVERS, false));
            check(engine.decide(KNOWN, SENDER, SERVERS, false));
        }

        private static void check(RecipientVerdict v) {
            if (v.kind() != RecipientVerdict.Kind.USER_UNKNOWN) {
                throw new IllegalStateException("both benchmark recipients must be refused, got " + v.kind());
            }
        }
    }

    /** Touches the cache before each decision, so warm and cold pay the same per-invocation harness cost. */
    @State(Scope.Benchmark)
    public static class Warm extends Engine {
        @Setup(Level.Invocation)
        public void prepare() {
            cache.get(ACCOUNT_ID, id -> {
                throw new IllegalStateException("warm: the account must stay cached");
            });
        }
    }

    @State(Scope.Benchmark)
    public static class Cold extends Engine {
        @Setup(Level.Invocation)
        public void prepare() {
            cache.invalidate(ACCOUNT_ID);
        }
    }

    @Benchmark
    public RecipientVerdict unknownWarm(Warm s) {
        return s.engine.decide(UNKNOWN, SENDER, SERVERS, false);
    }

    @Benchmark
    public RecipientVerdict unknownCold(Cold s) {
        return s.engine.decide(UNKNOWN, SENDER, SERVERS, false);
    }

    @Benchmark
    public RecipientVerdict blockedWarm(Warm s) {
        return s.engine.decide(KNOWN, SENDER, SERVERS, false);
    }

    @Benchmark
    public RecipientVerdict blockedCold(Cold s) {
        return s.engine.decide(KNOWN, SENDER, SERVERS, false);
    }

    interface Handler {
        Object handle(String method, Object[] args);
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Handler h) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (p, m, a) -> h.handle(m.getName(), a));
    }
}
