package org.postern.dns.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern DNS resolver",
        description = "The recursive resolvers Postern asks, the query timeout and the answer cache")
@interface DnsConfig {
    String PID = "org.postern.dns";

    @AttributeDefinition(name = "Servers",
            description = "Recursive resolvers as IP addresses, optionally with a port (192.0.2.53:53, [2001:db8::53]:53), "
                    + "separated by commas; empty: the nameservers of /etc/resolv.conf")
    String[] servers() default {};

    @AttributeDefinition(name = "Timeout (ms)",
            description = "How long one question may take in total, retries and the second server included")
    int timeout_ms() default 5000;

    @AttributeDefinition(name = "Cache size (KiB)",
            description = "Approximate memory for cached answers; the least recently used go first. 0: no cache")
    int cache_size_kib() default 16384;

    @AttributeDefinition(name = "Longest TTL (s)",
            description = "Answers are reused at most this long, whatever TTL they carry")
    int cache_max_ttl_seconds() default 86400;

    @AttributeDefinition(name = "Longest negative TTL (s)",
            description = "NXDOMAIN and NODATA answers are reused at most this long (RFC 2308)")
    int cache_negative_max_ttl_seconds() default 900;
}
