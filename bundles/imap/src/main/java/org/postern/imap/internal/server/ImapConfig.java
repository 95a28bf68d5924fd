package org.postern.imap.internal.server;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern IMAP", description = "IMAP4rev1 with STARTTLS and implicit TLS")
@interface ImapConfig {
    String PID = "org.postern.imap";

    @AttributeDefinition(name = "Listen address", description = "Production: 0.0.0.0 or a public address")
    String host() default "127.0.0.1";

    @AttributeDefinition(name = "Port", description = "IMAP with STARTTLS. Production: 143")
    int port() default 1143;

    @AttributeDefinition(name = "Implicit TLS port", description = "IMAPS. Production: 993; 0: no implicit TLS listener")
    int tls_port() default 1993;

    @AttributeDefinition(name = "Idle timeout (seconds)",
            description = "Client silence allowed (RFC 3501: at least 30 minutes; IDLE clients re-issue within 29)")
    int idle_timeout_seconds() default 1860;

    @AttributeDefinition(name = "Connections per client",
            description = "Simultaneous sessions from one IPv4 address or one IPv6 /64, both ports together")
    int max_connections_per_ip() default 50;

    @AttributeDefinition(name = "Connections in total", description = "Simultaneous sessions on both ports together")
    int max_connections() default 5000;

    @AttributeDefinition(name = "Largest APPEND (octets)", description = "A larger message is refused with NO [TOOBIG]")
    long max_append_size() default 52428800;

    @AttributeDefinition(name = "Plaintext logins from other hosts",
            description = "Allow LOGIN and AUTHENTICATE before TLS for clients that are not on loopback "
                    + "(default: no: LOGINDISABLED is announced, like Dovecot's disable_plaintext_auth)")
    boolean allow_plaintext_auth() default false;
}
