package org.postern.mailauth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.postern.api.dns.DnsAnswer;
import org.postern.api.dns.DnsAnswer.Status;
import org.postern.api.dns.DnsResolver;
import org.postern.api.dns.MxRecord;
import org.postern.api.dns.TlsaRecord;

/**
 * A DnsResolver answering from maps: what a test sets, NXDOMAIN for anything else. A name can be
 * made to fail ({@link #fail}) or never answer ({@link #hang}). Counts every question, so tests
 * can assert lookup limits.
 */
final class FakeDns implements DnsResolver {
    private final Map<String, List<Object>> records = new ConcurrentHashMap<>();
    private final Map<String, Status> failures = new ConcurrentHashMap<>();
    private final Map<String, Boolean> hanging = new ConcurrentHashMap<>();
    final AtomicInteger queries = new AtomicInteger();

    private static String key(String type, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        return type + " " + n;
    }

    FakeDns txt(String name, String... values) {
        records.computeIfAbsent(key("TXT", name), k -> new ArrayList<>()).addAll(List.of(values));
        return this;
    }

    FakeDns a(String name, String... addresses) {
        for (String a : addresses) {
            records.computeIfAbsent(key(a.contains(":") ? "AAAA" : "A", name), k -> new ArrayList<>()).add(ip(a));
        }
        return this;
    }

    FakeDns mx(String domain, int preference, String host) {
        records.computeIfAbsent(key("MX", domain), k -> new ArrayList<>()).add(new MxRecord(preference, host));
        return this;
    }

    FakeDns ptr(String address, String... names) {
        records.computeIfAbsent(key("PTR", ip(address).getHostAddress()), k -> new ArrayList<>()).addAll(List.of(names));
        return this;
    }

    /** Every question of this type about the name gets this status (TEMPFAIL, TIMEOUT, ...). */
    FakeDns fail(String type, String name, Status status) {
        failures.put(key(type, name), status);
        return this;
    }

    /** Every question of this type about the name never gets an answer. */
    FakeDns hang(String type, String name) {
        hanging.put(key(type, name), true);
        return this;
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    @SuppressWarnings("unchecked")
    private <T> CompletionStage<DnsAnswer<T>> answer(String type, String name) {
        queries.incrementAndGet();
        String k = key(type, name);
        if (hanging.containsKey(k)) {
            return new CompletableFuture<>();
        }
        Status f = failures.get(k);
        if (f != null) {
            return CompletableFuture.completedFuture(DnsAnswer.failure(f));
        }
        List<Object> r = records.get(k);
        if (r == null || r.isEmpty()) {
            // NODATA when the name has other records, else NXDOMAIN
            String n = k.substring(k.indexOf(' ') + 1);
            boolean exists = records.keySet().stream().anyMatch(x -> x.substring(x.indexOf(' ') + 1).equals(n));
            return CompletableFuture.completedFuture(DnsAnswer.none(exists ? Status.NODATA : Status.NXDOMAIN, false, 60));
        }
        return CompletableFuture.completedFuture(DnsAnswer.ok((List<T>) List.copyOf(r), false, 60));
    }

    @Override
    public CompletionStage<DnsAnswer<String>> ptr(InetAddress address) {
        return answer("PTR", address.getHostAddress());
    }

    @Override
    public CompletionStage<DnsAnswer<InetAddress>> a(String name) {
        return answer("A", name);
    }

    @Override
    public CompletionStage<DnsAnswer<InetAddress>> aaaa(String name) {
        return answer("AAAA", name);
    }

    @Override
    public CompletionStage<DnsAnswer<MxRecord>> mx(String domain) {
        return answer("MX", domain);
    }

    @Override
    public CompletionStage<DnsAnswer<String>> txt(String name) {
        return answer("TXT", name);
    }

    @Override
    public CompletionStage<DnsAnswer<TlsaRecord>> tlsa(String name) {
        return answer("TLSA", name);
    }
}
