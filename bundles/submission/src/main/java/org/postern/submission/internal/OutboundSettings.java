package org.postern.submission.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/** {@link OutboundConfig}, checked once. */
record OutboundSettings(String hostname, RemoteDelivery.Route smartHost, int remotePort, int workers, int perDestination,
        Duration retryInitial, Duration retryMax, Duration lifetime, Duration unreachablePause, Duration poll,
        Duration connectTimeout, Duration commandTimeout, Duration dnsTimeout, Duration lease, TlsSettings tls,
        SmtpClient.Login smartHostLogin) {

    /**
     * Outbound TLS policy: MTA-STS (RFC 8461) on or off, the HTTPS port its policies come from,
     * how many domains' policies are kept; DANE (RFC 7672) on or off; a PEM file of CA
     * certificates trusted besides the JDK's for verified TLS (empty: the JDK's only); whether MX
     * hosts on private addresses are connected to.
     */
    record TlsSettings(boolean mtaSts, int mtaStsPort, int mtaStsCacheEntries, boolean dane, String trustFile,
            boolean privateDestinations) {
        /** Tests talk to listeners on loopback. */
        static final TlsSettings DEFAULTS = new TlsSettings(true, 443, 10_000, true, "", true);
    }

    /** With the default TLS policy (tests that do not care). */
    OutboundSettings(String hostname, RemoteDelivery.Route smartHost, int remotePort, int workers, int perDestination,
            Duration retryInitial, Duration retryMax, Duration lifetime, Duration unreachablePause, Duration poll,
            Duration connectTimeout, Duration commandTimeout, Duration dnsTimeout, Duration lease) {
        this(hostname, smartHost, remotePort, workers, perDestination, retryInitial, retryMax, lifetime,
                unreachablePause, poll, connectTimeout, commandTimeout, dnsTimeout, lease, TlsSettings.DEFAULTS, null);
    }

    static OutboundSettings from(OutboundConfig c) {
        // empty stays empty: OutboundQueue.hostname() falls back to org.postern.tls's name, as
        // documented, when it is needed (the TLS identity may come later than this config)
        String host = c.hostname().strip();
        return new OutboundSettings(host, smartHost(c.smarthost()), port(c.remote_port(), "remote.port"),
                positive(c.workers(), "workers"), positive(c.per_destination(), "per.destination"),
                Duration.ofSeconds(positive(c.retry_initial_seconds(), "retry.initial.seconds")),
                Duration.ofSeconds(positive(c.retry_max_seconds(), "retry.max.seconds")),
                Duration.ofHours(positive(c.lifetime_hours(), "lifetime.hours")),
                Duration.ofSeconds(Math.max(0, c.unreachable_pause_seconds())),
                Duration.ofMillis(positive(c.poll_ms(), "poll.ms")),
                Duration.ofSeconds(positive(c.connect_timeout_seconds(), "connect.timeout.seconds")),
                Duration.ofSeconds(positive(c.command_timeout_seconds(), "command.timeout.seconds")),
                Duration.ofSeconds(positive(c.dns_timeout_seconds(), "dns.timeout.seconds")),
                Duration.ofSeconds(positive(c.lease_seconds(), "lease.seconds")),
                new TlsSettings(c.mta_sts(), port(c.mta_sts_port(), "mta.sts.port"),
                        positive(c.mta_sts_cache_entries(), "mta.sts.cache.entries"), c.dane(), c.tls_trust_file().strip(),
                        c.private_destinations()),
                login(c.smarthost_user().strip(), c.smarthost_password_file().strip()));
    }

    /**
     * The smart host login: both the user and the password file, or neither. The password is
     * read from its file (first line) so that it appears in no configuration listing, no
     * {@code config:list} and no log.
     */
    static SmtpClient.Login login(String user, String passwordFile) {
        if (user.isEmpty() && passwordFile.isEmpty()) {
            return null;
        }
        if (user.isEmpty() || passwordFile.isEmpty()) {
            throw new IllegalArgumentException("smarthost.user and smarthost.password.file go together");
        }
        byte[] all;
        try {
            all = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(passwordFile));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("smarthost.password.file cannot be read: " + e.getMessage(), e);
        }
        int end = 0;
        while (end < all.length && all[end] != '\n' && all[end] != '\r') {
            end++;
        }
        if (end == 0) {
            throw new IllegalArgumentException("smarthost.password.file is empty");
        }
        byte[] secret = java.util.Arrays.copyOf(all, end);
        java.util.Arrays.fill(all, (byte) 0);
        return new SmtpClient.Login(user, secret);
    }

    /** {@code host:port}, {@code [v6]:port}, or empty for none. */
    static RemoteDelivery.Route smartHost(String v) {
        String s = v == null ? "" : v.strip();
        if (s.isEmpty()) {
            return null;
        }
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1 || s.endsWith("]")) {
            throw new IllegalArgumentException("smarthost must be host:port: " + s);
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("smarthost port is not a number: " + s);
        }
        return new RemoteDelivery.Route(host, port(port, "smarthost port"));
    }

    private static int port(int p, String name) {
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException(name + " must be a port (1-65535): " + p);
        }
        return p;
    }

    private static int positive(int v, String name) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be at least 1: " + v);
        }
        return v;
    }

    static String machineName() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
