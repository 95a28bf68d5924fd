package org.postern.submission.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern outbound queue",
        description = "Sending queued mail to remote servers: retries, limits, timeouts, smart host")
@interface OutboundConfig {
    String PID = "org.postern.outbound";

    @AttributeDefinition(name = "Host name", description = "EHLO name; empty: the host name of org.postern.tls")
    String hostname() default "";

    @AttributeDefinition(name = "Smart host",
            description = "host:port that receives all remote mail instead of the recipients' MX hosts; empty: MX lookup")
    String smarthost() default "";

    @AttributeDefinition(name = "Remote SMTP port", description = "Port of remote MX hosts (25; tests change it)")
    int remote_port() default 25;

    @AttributeDefinition(name = "Sending threads", description = "Messages sent at the same time by this node")
    int workers() default 8;

    @AttributeDefinition(name = "Connections per destination",
            description = "Messages sent at the same time to one recipient domain by this node")
    int per_destination() default 4;

    @AttributeDefinition(name = "First retry (seconds)", description = "Delay after the first temporary failure; doubles per attempt")
    int retry_initial_seconds() default 300;

    @AttributeDefinition(name = "Longest retry delay (seconds)")
    int retry_max_seconds() default 4000;

    @AttributeDefinition(name = "Queue lifetime (hours)",
            description = "How long a temporarily failing recipient is retried before the sender gets a DSN")
    int lifetime_hours() default 120;

    @AttributeDefinition(name = "Unreachable destination pause (seconds)",
            description = "After no server of a domain answered, its other messages wait this long without a connection")
    int unreachable_pause_seconds() default 300;

    @AttributeDefinition(name = "Queue poll (milliseconds)", description = "How often due messages are looked for")
    int poll_ms() default 5000;

    @AttributeDefinition(name = "Connect timeout (seconds)")
    int connect_timeout_seconds() default 30;

    @AttributeDefinition(name = "Command timeout (seconds)", description = "RFC 5321 4.5.3.2 suggests 300")
    int command_timeout_seconds() default 300;

    @AttributeDefinition(name = "DNS timeout (seconds)")
    int dns_timeout_seconds() default 30;

    @AttributeDefinition(name = "Lease (seconds)",
            description = "How long a node holds a message it sends; renewed while sending. After a crash the message is sent again after this")
    int lease_seconds() default 600;

    @AttributeDefinition(name = "MTA-STS",
            description = "Honour recipient domains' MTA-STS policies (RFC 8461): in enforce mode, mail goes only to the MX hosts "
                    + "the policy names, over TLS with a valid certificate, or waits in the queue")
    boolean mta_sts() default true;

    @AttributeDefinition(name = "MTA-STS HTTPS port",
            description = "Where policies are fetched (https://mta-sts.<domain>:<port>/.well-known/mta-sts.txt); 443 but in tests and labs")
    int mta_sts_port() default 443;

    @AttributeDefinition(name = "MTA-STS policies kept", description = "Domains whose policy is cached in memory; the least recently used go first")
    int mta_sts_cache_entries() default 10000;

    @AttributeDefinition(name = "DANE",
            description = "Honour DNSSEC-validated TLSA records of MX hosts (RFC 7672): TLS required, the certificate must match. "
                    + "Needs a validating resolver in org.postern.dns (its AD bit is trusted)")
    boolean dane() default true;

    @AttributeDefinition(name = "Trusted CA file",
            description = "A PEM file of CA certificates trusted besides the JDK's for verified outbound TLS (MTA-STS); empty: the JDK's only")
    String tls_trust_file() default "";

    @AttributeDefinition(name = "Private destinations",
            description = "Connect to MX hosts that resolve to loopback, private or link-local addresses (a LAN or a test); "
                    + "off on the Internet, where a domain pointing its MX there would make this node talk to itself or to internal hosts")
    boolean private_destinations() default false;

    @AttributeDefinition(name = "Smart host user",
            description = "Login name at the smart host (AUTH PLAIN over verified TLS); empty: no login")
    String smarthost_user() default "";

    @AttributeDefinition(name = "Smart host password file",
            description = "File holding the smart host password (first line), owner-only; never the password itself in this configuration")
    String smarthost_password_file() default "";
}
