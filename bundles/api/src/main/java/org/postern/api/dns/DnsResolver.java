package org.postern.api.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;
import org.postern.api.dns.DnsAnswer.Status;

/**
 * The one DNS client of Postern: the MX (sending-server identity), SPF/DKIM/DMARC, the outbound
 * MX lookup and DANE ask this service, and tests register their own.
 * <p>
 * <b>Asynchronous.</b> Every method returns at once; the stage completes later, normally on the
 * resolver's own threads, so continuations attached with the non-{@code Async} methods must not
 * block (use the {@code *Async} variants with your own executor for slow work). A stage completes
 * normally with a {@link DnsAnswer}, whatever went wrong (timeouts, unreachable servers, invalid
 * names are statuses), and within the configured timeout. Each caller gets its own stage:
 * completing or cancelling it affects nobody else.
 * <p>
 * <b>Names</b> are given in ASCII or Unicode (converted to punycode), with or without the
 * trailing dot, and are always absolute: no search list, no hosts file. Underscore labels
 * ({@code _dmarc}, {@code _25._tcp}) are fine. Names in answers are lower case without the
 * trailing dot.
 * <p>
 * <b>Caching.</b> Implementations cache answers as long as their TTL allows (negative answers as
 * RFC 2308 allows) and report the time left in {@link DnsAnswer#ttlSeconds()}.
 * <p>
 * <b>DNSSEC.</b> {@link DnsAnswer#authenticated()} passes on the AD bit of a validating upstream
 * resolver; this service does not validate itself.
 */
@ProviderType
public interface DnsResolver {
    /**
     * At most this many PTR names of one address are checked by
     * {@link #forwardConfirmedNames(InetAddress)}: an address with hundreds of PTR records costs
     * no more than this many forward lookups.
     */
    int MAX_CONFIRMED_PTR_NAMES = 10;

    /** All PTR names of the address (the {@code in-addr.arpa} / {@code ip6.arpa} name). */
    CompletionStage<DnsAnswer<String>> ptr(InetAddress address);

    /** IPv4 addresses (A records) of the name. */
    CompletionStage<DnsAnswer<InetAddress>> a(String name);

    /** IPv6 addresses (AAAA records) of the name. */
    CompletionStage<DnsAnswer<InetAddress>> aaaa(String name);

    /** MX records of the domain, ordered by preference (equal preferences in answer order). */
    CompletionStage<DnsAnswer<MxRecord>> mx(String domain);

    /**
     * TXT records of the name, one string per record: the character-strings of a record joined
     * with nothing between them (RFC 7208 §3.3, RFC 6376 §3.6.2.2), decoded as UTF-8.
     */
    CompletionStage<DnsAnswer<String>> txt(String name);

    /** TLSA records of the name, such as {@code _25._tcp.mx.example.com} (RFC 6698, RFC 7672). */
    CompletionStage<DnsAnswer<TlsaRecord>> tlsa(String name);

    /** TLSA records for a TCP service: {@code _<port>._tcp.<host>}. */
    default CompletionStage<DnsAnswer<TlsaRecord>> tlsa(int port, String host) {
        if (port < 0 || port > 0xFFFF) {
            return CompletableFuture.completedFuture(DnsAnswer.failure(Status.INVALID));
        }
        return tlsa("_" + port + "._tcp." + host);
    }

    /**
     * A and AAAA records of the name, asked in parallel. {@link Status#OK} when either family has
     * addresses (IPv4 first); a family whose query failed is then simply missing (ask {@link #a}
     * and {@link #aaaa} to tell). Otherwise the status of the worse answer, in the order
     * {@code TEMPFAIL}, {@code TIMEOUT}, {@code INVALID}, {@code NODATA}, {@code NXDOMAIN}.
     * Authenticated only when both answers are; the TTL is the smaller one. Do not decide on
     * DNSSEC from this answer (DANE, say): a failed lookup of one family makes it
     * unauthenticated, so whoever can make one family's lookup fail turns DNSSEC-based checks
     * off. Ask {@link #a} and {@link #aaaa} and weigh each.
     */
    default CompletionStage<DnsAnswer<InetAddress>> addresses(String name) {
        CompletableFuture<DnsAnswer<InetAddress>> v4 = Answers.safe(a(name));
        CompletableFuture<DnsAnswer<InetAddress>> v6 = Answers.safe(aaaa(name));
        return v4.thenCombine(v6, (four, six) -> {
            boolean ad = four.authenticated() && six.authenticated();
            if (four.isOk() || six.isOk()) {
                List<InetAddress> all = new ArrayList<>(four.records());
                all.addAll(six.records());
                long ttl = Math.min(four.isOk() ? four.ttlSeconds() : Long.MAX_VALUE,
                        six.isOk() ? six.ttlSeconds() : Long.MAX_VALUE);
                return DnsAnswer.ok(all, ad, ttl);
            }
            Status worse = Answers.worse(four.status(), six.status());
            return DnsAnswer.none(worse, ad, Math.min(four.ttlSeconds(), six.ttlSeconds()));
        });
    }

    /**
     * Forward-confirmed reverse DNS (FCrDNS, RFC 8601 §2.7.3 "iprev"): the PTR names of the
     * address whose A (IPv4) or AAAA (IPv6) records contain the address, in PTR answer order. At
     * most {@link #MAX_CONFIRMED_PTR_NAMES} PTR names are checked, in parallel.
     * <p>
     * Status: {@link Status#OK} when at least one name confirms; otherwise the PTR answer's status
     * when it was not OK; otherwise {@link Status#TEMPFAIL} or {@link Status#TIMEOUT} when a
     * forward lookup failed so (the answer might have confirmed); otherwise {@link Status#NODATA}
     * (names exist, none points back). Authenticated when the PTR answer and every forward answer
     * were. The TTL is the smallest of the answers used.
     */
    default CompletionStage<DnsAnswer<String>> forwardConfirmedNames(InetAddress address) {
        return Answers.safe(ptr(address)).thenCompose(ptr -> {
            if (!ptr.isOk()) {
                return CompletableFuture.completedFuture(ptr);
            }
            List<String> names = ptr.records().subList(0, Math.min(ptr.records().size(), MAX_CONFIRMED_PTR_NAMES));
            List<CompletableFuture<DnsAnswer<InetAddress>>> forward = new ArrayList<>(names.size());
            for (String name : names) {
                forward.add(Answers.safe(address instanceof Inet4Address ? a(name) : aaaa(name)));
            }
            return CompletableFuture.allOf(forward.toArray(CompletableFuture[]::new)).thenApply(done -> {
                List<String> confirmed = new ArrayList<>();
                boolean ad = ptr.authenticated();
                long ttl = ptr.ttlSeconds();
                Status failure = null;
                for (int i = 0; i < names.size(); i++) {
                    DnsAnswer<InetAddress> f = forward.get(i).join();
                    ad &= f.authenticated();
                    if (f.isOk() && f.records().contains(address)) {
                        confirmed.add(names.get(i));
                        ttl = Math.min(ttl, f.ttlSeconds());
                    } else if (f.isTemporaryFailure()) {
                        failure = failure == null ? f.status() : Answers.worse(failure, f.status());
                    }
                }
                if (!confirmed.isEmpty()) {
                    return DnsAnswer.ok(confirmed, ad, ttl);
                }
                if (failure != null) {
                    return DnsAnswer.<String>failure(failure);
                }
                return DnsAnswer.<String>none(Status.NODATA, ad, ttl);
            });
        });
    }
}
