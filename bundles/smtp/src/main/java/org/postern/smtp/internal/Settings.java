package org.postern.smtp.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.postern.api.address.DomainName;
import org.postern.core.config.ConfigCheck;
import org.postern.core.config.PortOffset;
import org.postern.api.store.DataDirectory;

/**
 * The SMTP server's settings, validated. Tests build one directly. {@code port} is the port to
 * bind: the configured one plus {@code portOffset} ({@link PortOffset}, system property
 * {@code postern.port.offset}).
 */
record Settings(String host, int port, String hostname, long maxMessageSize, int maxRecipients, int maxLineLength,
        int commandTimeoutSeconds, int dataTimeoutSeconds, int maxConnectionsPerIp, int maxConnections, int maxErrors,
        Path dataDirectory, int portOffset, String postmasterAccount, boolean senderAuthentication,
        boolean dmarcReject, int authTimeoutSeconds) {

    /** With sender authentication on, its defaults (tests). */
    Settings(String host, int port, String hostname, long maxMessageSize, int maxRecipients, int maxLineLength,
            int commandTimeoutSeconds, int dataTimeoutSeconds, int maxConnectionsPerIp, int maxConnections, int maxErrors,
            Path dataDirectory, int portOffset, String postmasterAccount) {
        this(host, port, hostname, maxMessageSize, maxRecipients, maxLineLength, commandTimeoutSeconds,
                dataTimeoutSeconds, maxConnectionsPerIp, maxConnections, maxErrors, dataDirectory, portOffset,
                postmasterAccount, true, true, 10);
    }

    /** Without a postmaster account (tests that do not care). */
    Settings(String host, int port, String hostname, long maxMessageSize, int maxRecipients, int maxLineLength,
            int commandTimeoutSeconds, int dataTimeoutSeconds, int maxConnectionsPerIp, int maxConnections, int maxErrors,
            Path dataDirectory, int portOffset) {
        this(host, port, hostname, maxMessageSize, maxRecipients, maxLineLength, commandTimeoutSeconds,
                dataTimeoutSeconds, maxConnectionsPerIp, maxConnections, maxErrors, dataDirectory, portOffset, "");
    }

    static final long MAX_SIZE_LIMIT = Integer.MAX_VALUE;

    /**
     * Validates the raw properties (ConfigCheck: a malformed value must not become a silent
     * default) and converts the typed config, shifting the port by the system property
     * {@code postern.port.offset}.
     *
     * @throws IllegalArgumentException naming every bad key
     */
    static Settings from(SmtpConfig c, Map<String, ?> raw) {
        return from(c, raw, System.getProperty(PortOffset.PROPERTY));
    }

    /** As {@link #from(SmtpConfig, Map)}, with the value of {@code postern.port.offset} given (tests). */
    static Settings from(SmtpConfig c, Map<String, ?> raw, String portOffset) {
        ConfigCheck check = ConfigCheck.of(SmtpConfig.PID, raw).isLong("port", 1, 65535);
        boolean portValid = check.problems().isEmpty();
        // The node's offset shifts the configured port; a bad offset or a shifted port above
        // 65535 is reported with the other problems.
        PortOffset offset = null;
        try {
            offset = PortOffset.of(portOffset);
        } catch (IllegalArgumentException e) {
            check.problem(true, e.getMessage());
        }
        int port = c.port();
        if (portValid && offset != null) {
            try {
                port = offset.apply(c.port());
            } catch (IllegalArgumentException e) {
                check.problem(true, e.getMessage());
            }
        }
        check.isLong("max.message.size", 1024, MAX_SIZE_LIMIT)
                .isLong("max.recipients", 1, 100_000)
                .isLong("max.line.length", 512, 1_000_000)
                .isLong("command.timeout.seconds", 1, 86_400)
                .isLong("data.timeout.seconds", 1, 86_400)
                .isLong("max.connections.per.ip", 1, 1_000_000)
                .isLong("max.connections", 1, 1_000_000)
                .isLong("max.errors", 1, 100_000)
                .isLong("sender.authentication.timeout.seconds", 1, 300)
                .problem(c.host().isBlank(), "host is empty");
        String hostname = c.hostname().trim();
        if (!hostname.isEmpty()) {
            try {
                hostname = DomainName.normalizeLabels(hostname);
            } catch (IllegalArgumentException e) {
                check.problem(true, "hostname = '" + c.hostname() + "' is not a host name");
            }
        }
        // The certificate moved to org.postern.tls: a keystore still named here would be ignored.
        Object moved = raw.get("tls.keystore");
        check.problem(moved != null && !moved.toString().isBlank(),
                "tls.keystore is no longer read here: set keystore and keystore.password in org.postern.tls.cfg");
        String postmaster = c.postmaster_account().strip().toLowerCase(Locale.ROOT);
        check.problem(!postmaster.isEmpty() && (postmaster.indexOf('@') <= 0 || postmaster.endsWith("@")),
                "postmaster.account = '" + c.postmaster_account() + "' is not an address");
        check.throwIfInvalid();
        return new Settings(c.host().trim(), port, hostname,
                c.max_message_size(), c.max_recipients(), c.max_line_length(), c.command_timeout_seconds(),
                c.data_timeout_seconds(), c.max_connections_per_ip(), c.max_connections(), c.max_errors(),
                DataDirectory.resolve(), port - c.port(), postmaster, c.sender_authentication(), c.dmarc_reject(),
                c.sender_authentication_timeout_seconds());
    }

    /** For log lines: how {@link #port()} came about when an offset moved it, else empty. */
    String portNote() {
        return portOffset == 0 ? ""
                : " (port " + (port - portOffset) + " + " + PortOffset.PROPERTY + " " + portOffset + ")";
    }

    /** This machine's name when it looks like a host name, else {@code localhost}. */
    static String machineName() {
        try {
            String n = InetAddress.getLocalHost().getHostName();
            return DomainName.normalizeLabels(n).toLowerCase(Locale.ROOT);
        } catch (UnknownHostException | IllegalArgumentException e) {
            return "localhost";
        }
    }

    /** Where mail to postmaster@ and abuse@ waits while no postmaster account is configured. */
    Path roleMailDirectory() {
        return dataDirectory.resolve("role-mail");
    }

    /** Where message bodies wait between DATA and the blob store. */
    Path spoolDirectory() {
        return dataDirectory.resolve("spool").resolve("smtp");
    }
}
