package org.postern.dns.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.postern.core.config.ConfigCheck;
import org.xbill.DNS.Address;

/**
 * The checked configuration of {@link DnsjavaResolver}.
 *
 * @param servers the resolvers to ask; empty: the system's (resolv.conf)
 * @param timeout the most one question may take
 * @param cacheBytes approximate cache budget; 0 turns the cache off
 * @param maxTtlSeconds cap on a positive answer's reuse
 * @param maxNegativeTtlSeconds cap on an NXDOMAIN/NODATA answer's reuse
 */
record Settings(List<InetSocketAddress> servers, Duration timeout, long cacheBytes, long maxTtlSeconds,
        long maxNegativeTtlSeconds) {

    static final int DNS_PORT = 53;

    Settings {
        servers = List.copyOf(servers);
    }

    static Settings from(DnsConfig c, Map<String, ?> raw) {
        ConfigCheck check = ConfigCheck.of(DnsConfig.PID, raw)
                .isLong("timeout.ms", 100, 60_000)
                .isLong("cache.size.kib", 0, 4L * 1024 * 1024)
                .isLong("cache.max.ttl.seconds", 0, 7 * 86_400)
                .isLong("cache.negative.max.ttl.seconds", 0, 86_400);
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String entry : c.servers() == null ? new String[0] : c.servers()) {
            for (String s : entry.split("[,\\s]+")) {
                if (s.isEmpty()) {
                    continue;
                }
                try {
                    servers.add(server(s));
                } catch (IllegalArgumentException e) {
                    check.problem(true, "servers: '" + s + "' is not an IP address with an optional port");
                }
            }
        }
        check.throwIfInvalid();
        return new Settings(servers, Duration.ofMillis(c.timeout_ms()), c.cache_size_kib() * 1024L,
                c.cache_max_ttl_seconds(), c.cache_negative_max_ttl_seconds());
    }

    /**
     * {@code 192.0.2.1}, {@code 192.0.2.1:5353}, {@code 2001:db8::1}, {@code [2001:db8::1]:5353}.
     * Literals only: finding the resolver must not need a resolver.
     */
    static InetSocketAddress server(String s) {
        String host = s;
        int port = DNS_PORT;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException(s);
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException(s);
                }
                port = port(rest.substring(1));
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = port(s.substring(s.indexOf(':') + 1));
        }
        return new InetSocketAddress(literal(host), port);
    }

    private static int port(String p) {
        try {
            int n = Integer.parseInt(p);
            if (n >= 1 && n <= 65535) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(p);
    }

    private static InetAddress literal(String host) {
        try {
            return Address.getByAddress(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(host);
        }
    }
}
