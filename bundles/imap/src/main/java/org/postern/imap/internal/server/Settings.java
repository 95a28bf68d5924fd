package org.postern.imap.internal.server;

import java.util.Map;
import org.postern.core.config.ConfigCheck;
import org.postern.core.config.PortOffset;

/**
 * The IMAP server's settings, validated. {@code port} and {@code tlsPort} are the ports to bind:
 * the configured ones plus the node's port offset; {@code tlsPort} is {@link #NO_TLS_PORT} when
 * there is no implicit-TLS listener.
 */
record Settings(String host, int port, int tlsPort, int idleTimeoutSeconds, int maxConnectionsPerIp,
        int maxConnections, long maxAppendSize, boolean allowPlaintextAuth, int portOffset) {

    static final int NO_TLS_PORT = -1;

    static Settings from(ImapConfig c, Map<String, ?> raw) {
        return from(c, raw, System.getProperty(PortOffset.PROPERTY));
    }

    static Settings from(ImapConfig c, Map<String, ?> raw, String portOffset) {
        ConfigCheck check = ConfigCheck.of(ImapConfig.PID, raw).isLong("port", 1, 65535).isLong("tls.port", 0, 65535);
        boolean portsValid = check.problems().isEmpty();
        PortOffset offset = null;
        try {
            offset = PortOffset.of(portOffset);
        } catch (IllegalArgumentException e) {
            check.problem(true, e.getMessage());
        }
        int port = c.port();
        int tlsPort = c.tls_port() == 0 ? NO_TLS_PORT : c.tls_port();
        if (portsValid && offset != null) {
            try {
                port = offset.apply(c.port());
                if (tlsPort != NO_TLS_PORT) {
                    tlsPort = offset.apply(tlsPort);
                }
            } catch (IllegalArgumentException e) {
                check.problem(true, e.getMessage());
            }
        }
        check.problem(portsValid && c.port() == c.tls_port(), "port and tls.port are both " + c.port())
                .isLong("idle.timeout.seconds", 60, 86_400)
                .isLong("max.connections.per.ip", 1, 1_000_000)
                .isLong("max.connections", 1, 1_000_000)
                .isLong("max.append.size", 1024, 1L << 31)
                .isBoolean("allow.plaintext.auth")
                .problem(c.host().isBlank(), "host is empty");
        check.throwIfInvalid();
        return new Settings(c.host().trim(), port, tlsPort, c.idle_timeout_seconds(), c.max_connections_per_ip(),
                c.max_connections(), c.max_append_size(), c.allow_plaintext_auth(), port - c.port());
    }

    String portNote() {
        return portOffset == 0 ? "" : " (ports + " + PortOffset.PROPERTY + " " + portOffset + ")";
    }
}
