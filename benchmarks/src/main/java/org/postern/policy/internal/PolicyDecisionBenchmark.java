package org.postern.policy.internal;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * One RCPT TO decision through {@link PolicyEngine} for an account holding {@code entries}
 * Block List entries and as many catch-all entries. The account lookups are in-memory stand-ins
 * (the database is not what is measured here); the lists are compiled once and cached, as in
 * production. The figure must not grow with {@code entries}.
 *
 * <pre>mvn -q -pl benchmarks -am package -DskipTests &amp;&amp; java -jar benchmarks/target/benchmarks.jar PolicyDecision</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// Long warm-up: with 100,000 entries the heap settles (a G1 concurrent cycle) only after ~8 s.
@Warmup(iterations = 12, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PolicyDecisionBenchmark {
    @Param({"100", "10000", "100000"})
    int entries;

    private PolicyEngine engine;
    private final List<String> servers = List.of("mail-out.innocent-sender.example.org", "innocent-sender.example.org");

    @Setup(Level.Trial)
    public void setUp() {
        List<String> block = new ArrayList<>();
        List<String> catchAll = new ArrayList<>();
        for (int i = 0; i < entries; i++) {
            switch (i % 4) {
                case 0 -> block.add("spammer" + i + "@bulk" + (i % 97) + ".example");
                case 1 -> block.add("@junk" + i + ".example");
                case 2 -> block.add("server:mx" + i + ".spam" + (i % 89) + ".example");
                default -> block.add("server:*.farm" + i + ".example");
            }
            catchAll.add(i % 2 == 0 ? "leaked" + i : "!shop" + i + "@shop.example.com");
        }
        Account account = new Account("0123456789abcdef0123456789abcdef", MailAddress.parse("alice@example.net"),
                AccountStatus.ACTIVE, Instant.EPOCH, null);
        DomainService domains = proxy(DomainService.class, (m, a) -> m.equals("isHosted") ? Boolean.TRUE : null);
        AddressResolver resolver = address -> Optional.of(
                new Resolution(MailAddress.parse(address), account, Resolution.Kind.OWNED_DOMAIN));
        AccountService accounts = proxy(AccountService.class, (m, a) -> null);
        PolicyRepository repo = proxy(PolicyRepository.class, (m, a) -> switch (m) {
            case "entries" -> a[1] == PolicyRepository.ListKind.BLOCK ? block : catchAll;
            case "catchAllMode" -> CatchAllMode.BLOCK.name();
            default -> null;
        });
        engine = new PolicyEngine(domains, resolver, accounts, repo, new PolicyCache(10_000));
        if (engine.decide("orders@shop.example.com", "buyer@customer.example", servers, false).kind()
                != RecipientVerdict.Kind.ACCEPT) {
            throw new IllegalStateException("the benchmark's recipient must pass every check");
        }
    }

    /** Worst case: nothing matches, so every check runs to the end. */
    @Benchmark
    public RecipientVerdict decideAccepted() {
        return engine.decide("orders@shop.example.com", "buyer@customer.example", servers, false);
    }

    /** A Block List server rule matches (a glob, the slowest kind). */
    @Benchmark
    public RecipientVerdict decideBlockedByServerPattern() {
        return engine.decide("orders@shop.example.com", "buyer@customer.example",
                List.of("a.b.farm" + (entries - 1) + ".example"), false);
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
