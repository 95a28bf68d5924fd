package org.postern.https.internal;

import java.io.IOException;
import javax.net.ssl.SSLEngine;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.AbstractHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.protocol.ServerTls;
import org.postern.protocol.Tls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds the HTTPS listener to pax-web's Jetty. pax-web 8 creates its connectors only from its own
 * configuration, which wants a keystore file and its password in clear in a cfg file, and
 * restarts Jetty to pick up a renewed certificate. It does take {@code Handler} services into
 * every Jetty server it builds, though: this no-op handler is one, and when its server starts
 * it adds a connector whose TLS engines come from {@link ServerTls#context()} connection by
 * connection — the certificate of {@code org.postern.tls}, renewals included, with the same
 * protocols and suites as every other listener ({@link Tls#applyServerPolicy}).
 *
 * <p>The port is opened before the connector joins the server, so a port already taken costs
 * only HTTPS (one log line), never the plain listener or the server's start. A configuration
 * change replaces the connector in the running server; registering or removing this service
 * makes pax-web rebuild its server (that is how pax-web takes handlers).
 */
@Component(service = org.eclipse.jetty.server.Handler.class, configurationPid = HttpsConfig.PID)
@Designate(ocd = HttpsConfig.class)
public class HttpsConnector extends AbstractHandler {
    private static final Logger LOG = LoggerFactory.getLogger(HttpsConnector.class);

    private final ServerTls tls;
    private HttpsConfig config;
    private ServerConnector connector;
    /** The limits this handler put on pax-web's plain listener, and that listener. */
    private ClientLimits plainLimits;
    private Connector limitedPlain;

    @Activate
    public HttpsConnector(@Reference ServerTls tls, HttpsConfig config) {
        this.tls = tls;
        this.config = config;
    }

    @Override
    public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response) {
        // Not a request handler: this object is here for its place in the server's lifecycle.
    }

    @Override
    protected synchronized void doStart() throws Exception {
        super.doStart();
        listen();
    }

    @Override
    protected synchronized void doStop() throws Exception {
        close();
        super.doStop();
    }

    @Modified
    synchronized void modified(HttpsConfig changed) {
        this.config = changed;
        if (isStarted()) {
            close();
            listen();
        }
    }

    @Deactivate
    synchronized void deactivate() {
        close();
    }

    /** The port this listener is bound to, or -1 (tests). */
    synchronized int localPort() {
        return connector == null ? -1 : connector.getLocalPort();
    }

    private void listen() {
        Server server = getServer();
        if (server == null) {
            return;
        }
        // pax-web's plain listener (8181) gets the total limit, counted on its own connections. Not
        // the per-client one: behind a TLS-terminating proxy every client comes from the proxy's address.
        Connector plainListener = plainConnector(server);
        if (plainListener instanceof ServerConnector sc) {
            plainLimits = new ClientLimits(Integer.MAX_VALUE, config.max_connections(),
                    org.eclipse.jetty.server.HttpConnection.class);
            sc.addBean(plainLimits);
            limitedPlain = sc;
        } else {
            LOG.warn("Postern HTTPS: no plain HTTP listener found to limit; its connections are not counted");
        }
        if (!config.enabled()) {
            return;
        }
        ServerConnector https = new ServerConnector(server, new SslConnectionFactory(new CurrentTls(tls),
                HttpVersion.HTTP_1_1.asString()), new HttpConnectionFactory(httpConfiguration(server)));
        https.setHost(config.address());
        https.setPort(config.port());
        https.addBean(new ClientLimits(config.max_connections_per_ip(), config.max_connections(),
                org.eclipse.jetty.io.ssl.SslConnection.class));
        Connector plain = plainConnector(server);
        if (plain instanceof ServerConnector) {
            https.setIdleTimeout(((ServerConnector) plain).getIdleTimeout());
        }
        try {
            https.open();
        } catch (IOException | RuntimeException e) {
            LOG.error("Postern HTTPS not listening on {}:{}: {}", config.address(), config.port(), e.toString());
            closeQuietly(https);
            return;
        }
        server.addConnector(https);
        connector = https;
        // Added while the server starts, Jetty starts it with the other connectors; else it is ours.
        if (server.isStarted()) {
            try {
                https.start();
            } catch (Exception e) {
                LOG.error("Postern HTTPS not listening on {}:{}: {}", config.address(), config.port(), e.toString());
                close();
                return;
            }
        }
        LOG.info("Postern HTTPS listening on {}:{}", config.address(), https.getLocalPort());
    }

    private void close() {
        if (limitedPlain instanceof ServerConnector sc && plainLimits != null) {
            // connections it counted keep their listener; they still uncount themselves when they close
            sc.removeBean(plainLimits);
        }
        limitedPlain = null;
        plainLimits = null;
        ServerConnector https = connector;
        connector = null;
        if (https == null) {
            return;
        }
        Server server = https.getServer();
        if (server != null) {
            server.removeConnector(https);
        }
        closeQuietly(https);
    }

    private static void closeQuietly(ServerConnector https) {
        try {
            https.stop();
        } catch (Exception e) {
            LOG.debug("stopping the HTTPS connector", e);
        }
        https.close();
    }

    /** The plain listener's HTTP settings (header sizes, Server header) plus what TLS needs. */
    private HttpConfiguration httpConfiguration(Server server) {
        Connector plain = plainConnector(server);
        HttpConfiguration http = null;
        if (plain != null) {
            HttpConnectionFactory factory = plain.getConnectionFactory(HttpConnectionFactory.class);
            if (factory != null) {
                http = new HttpConfiguration(factory.getHttpConfiguration());
            }
        }
        if (http == null) {
            http = new HttpConfiguration();
            http.setSendServerVersion(false);
        }
        http.setSecureScheme("https");
        http.setSecurePort(config.port());
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // Jetty's SNI checks need its own key manager; ours comes with the context of org.postern.tls.
        secure.setSniHostCheck(false);
        secure.setSniRequired(false);
        http.addCustomizer(secure);
        return http;
    }

    private Connector plainConnector(Server server) {
        for (Connector c : server.getConnectors()) {
            if (c != connector && c.getConnectionFactory(SslConnectionFactory.class) == null
                    && c.getConnectionFactory(HttpConnectionFactory.class) != null) {
                return c;
            }
        }
        return null;
    }

    /**
     * The limits of every other Postern listener (ConnectionLimitFilter): connections per client
     * address (IPv6: per /64) and in total; one past either is closed as soon as it opens, before
     * its TLS handshake costs a signature. Jetty tells this listener of each TLS connection and of
     * the HTTP one inside it: only those of the {@code counted} type count (the TLS ones on the
     * HTTPS listener, the HTTP ones on the plain listener).
     */
    static final class ClientLimits implements org.eclipse.jetty.io.Connection.Listener {
        private final int perClient;
        private final int total;
        private final Class<? extends org.eclipse.jetty.io.Connection> counted;
        private final java.util.concurrent.ConcurrentHashMap<java.net.InetAddress, Integer> open =
                new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.AtomicInteger all = new java.util.concurrent.atomic.AtomicInteger();

        ClientLimits(int perClient, int total, Class<? extends org.eclipse.jetty.io.Connection> counted) {
            this.perClient = Math.max(1, perClient);
            this.total = Math.max(1, total);
            this.counted = counted;
        }

        @Override
        public void onOpened(org.eclipse.jetty.io.Connection connection) {
            if (!counted.isInstance(connection)) {
                return;
            }
            java.net.InetAddress key = key(connection.getEndPoint().getRemoteAddress());
            int fromClient = key == null ? 0 : open.merge(key, 1, Integer::sum);
            int now = all.incrementAndGet();
            if (fromClient > perClient || now > total) {
                connection.getEndPoint().close();
            }
        }

        @Override
        public void onClosed(org.eclipse.jetty.io.Connection connection) {
            if (!counted.isInstance(connection)) {
                return;
            }
            java.net.InetAddress key = key(connection.getEndPoint().getRemoteAddress());
            if (key != null) {
                open.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
            }
            all.decrementAndGet();
        }

        int openFrom(java.net.InetAddress address) {
            java.net.InetAddress key = key(new java.net.InetSocketAddress(address, 0));
            return key == null ? 0 : open.getOrDefault(key, 0);
        }

        /** The counting key: the address for IPv4, its /64 for IPv6 (one host usually owns a whole /64). */
        private static java.net.InetAddress key(java.net.InetSocketAddress remote) {
            if (remote == null || remote.getAddress() == null) {
                return null;
            }
            java.net.InetAddress ip = remote.getAddress();
            if (!(ip instanceof java.net.Inet6Address)) {
                return ip;
            }
            byte[] prefix = java.util.Arrays.copyOf(ip.getAddress(), 16);
            java.util.Arrays.fill(prefix, 8, 16, (byte) 0);
            try {
                return java.net.InetAddress.getByAddress(prefix);
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e); // 16 bytes is always a valid length
            }
        }
    }

    /** Engines from the context org.postern.tls has now, with Postern's protocol and suite policy. */
    static final class CurrentTls extends SslContextFactory.Server {
        private final ServerTls tls;

        CurrentTls(ServerTls tls) {
            this.tls = tls;
            setSslContext(tls.context());
            setRenegotiationAllowed(false);
        }

        @Override
        public SSLEngine newSSLEngine() {
            SSLEngine engine = tls.context().createSSLEngine();
            Tls.applyServerPolicy(engine);
            return engine;
        }

        @Override
        public SSLEngine newSSLEngine(String host, int port) {
            SSLEngine engine = tls.context().createSSLEngine(host, port);
            Tls.applyServerPolicy(engine);
            return engine;
        }
    }
}
