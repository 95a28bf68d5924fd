package org.postern.pop3.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern POP3",
        description = "POP3 server (RFC 1939): listeners, limits, timeouts, plaintext logins (TLS: org.postern.tls)")
@interface Pop3Config {
    String PID = "org.postern.pop3";

    @AttributeDefinition(name = "Listen address", description = "Production: 0.0.0.0 or a public address")
    String host() default "127.0.0.1";

    @AttributeDefinition(name = "Port", description = "POP3 with STLS. Production: 110")
    int port() default 1110;

    @AttributeDefinition(name = "Implicit TLS port", description = "POP3S. Production: 995; 0: no implicit TLS listener")
    int tls_port() default 1995;

    @AttributeDefinition(name = "Idle timeout (seconds)",
            description = "Client silence allowed before autologout (RFC 1939: at least 600)")
    int idle_timeout_seconds() default 600;

    @AttributeDefinition(name = "Connections per client",
            description = "Simultaneous sessions from one IPv4 address or one IPv6 /64, both ports together")
    int max_connections_per_ip() default 20;

    @AttributeDefinition(name = "Connections in total", description = "Simultaneous sessions on both ports together")
    int max_connections() default 1000;

    @AttributeDefinition(name = "Maximum line length",
            description = "Octets including CR LF, for commands and AUTH responses")
    int max_line_length() default 1024;

    @AttributeDefinition(name = "Plaintext logins from other hosts",
            description = "Allow USER/PASS and AUTH before TLS for clients that are not on loopback "
                    + "(default: no, like Dovecot's disable_plaintext_auth)")
    boolean allow_plaintext_auth() default false;
}
