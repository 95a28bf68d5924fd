package org.postern.pop3.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.auth.Authenticator;
import org.postern.api.mail.MailStore;
import org.postern.api.smtp.CoreService;
import org.postern.protocol.ConnectionLimitFilter;
import org.postern.protocol.LineFilter;
import org.postern.protocol.Listener;
import org.postern.protocol.ServerTls;
import org.postern.protocol.SessionEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The POP3 server: a listener with STLS and, unless configured off, an implicit-TLS listener,
 * sharing one connection limit. Every collaborator is optional and dynamic: while the
 * authenticator or the mail store is away, logins get {@code -ERR [SYS/TEMP]} and the listeners
 * stay up. A configuration change re-activates the component, which rebinds.
 */
@Component(service = {}, immediate = true, configurationPid = Pop3Config.PID)
@Designate(ocd = Pop3Config.class)
public class Pop3Server {
    private static final Logger LOG = LoggerFactory.getLogger(Pop3Server.class);
    static final String TOO_MANY_CONNECTIONS = "-ERR [SYS/TEMP] Too many connections from your address";
    static final String BUSY = "-ERR [SYS/TEMP] Too many connections, try again later";
    /** The name of the line decoder in each session's chain; events the server makes enter after it. */
    static final String LINES = "lines";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile Authenticator authenticator;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile MailStore mailStore;

    /** The node's TLS identity (org.postern.tls); without it STLS is not offered and POP3S handshakes fail. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile ServerTls serverTls;

    private final Settings settings;
    /**
     * Maildrop locks of this node (RFC 1939 section 8: one session per maildrop): account id to
     * the session holding it. Node-local: two sessions of one account on two nodes are not kept
     * apart (their deletions cannot harm each other; see the README).
     */
    private final ConcurrentMap<String, Pop3Session> locks = new ConcurrentHashMap<>();
    /** Clients whose plaintext logins are allowed without TLS (tests widen or narrow it). */
    volatile Predicate<InetAddress> trustedClient = InetAddress::isLoopbackAddress;
    private Listener plain;
    private Listener implicit;

    @Activate
    public Pop3Server(Pop3Config config, Map<String, Object> properties) {
        this(checked(config, properties));
    }

    Pop3Server(Settings settings) {
        this.settings = settings;
    }

    private static Settings checked(Pop3Config config, Map<String, Object> properties) {
        try {
            return Settings.from(config, properties);
        } catch (IllegalArgumentException e) {
            LOG.error("Postern POP3 not started: {}", e.getMessage());
            throw e;
        }
    }

    /** Opens the listeners; runs after the references are bound. */
    @Activate
    void start() {
        ConnectionLimitFilter limit = new ConnectionLimitFilter(settings.maxConnectionsPerIp(), TOO_MANY_CONNECTIONS,
                settings.maxConnections(), BUSY);
        Pop3Handler handler = new Pop3Handler(this);
        int port = settings.port();
        try {
            plain = Listener.on(settings.host(), port).name("pop3").idleTimeout(settings.idleTimeoutSeconds())
                    .filter("limit", limit)
                    .filter(LINES, new LineFilter(settings.maxLineLength()))
                    .bind(handler);
            if (settings.tlsPort() != Settings.NO_TLS_PORT) {
                port = settings.tlsPort();
                implicit = Listener.on(settings.host(), port).name("pop3s").idleTimeout(settings.idleTimeoutSeconds())
                        .filter("limit", limit)
                        .implicitTls(this::implicitTlsContext)
                        .filter(LINES, new LineFilter(settings.maxLineLength()))
                        .bind(handler);
            }
        } catch (IOException | RuntimeException e) {
            stop();
            String reason = "cannot listen on " + settings.host() + ":" + port + settings.portNote() + ": "
                    + e.getMessage();
            LOG.error("Postern POP3 not started: {}", reason);
            throw new IllegalStateException(reason, e);
        }
        LOG.info("Postern POP3 listening on {}{}{} (STLS {}; plaintext logins {})", plain.localAddress(),
                implicit == null ? "" : ", implicit TLS on " + implicit.localAddress(), settings.portNote(),
                serverTls == null ? "off until org.postern.tls is up" : "on",
                settings.allowPlaintextAuth() ? "allowed" : "only from loopback");
    }

    @Deactivate
    void stop() {
        if (implicit != null) {
            implicit.close();
            implicit = null;
        }
        if (plain != null) {
            plain.close();
            plain = null;
            LOG.info("Postern POP3 stopped");
        }
    }

    // ---- what sessions ask ----

    Settings settings() {
        return settings;
    }

    /** The context for STLS now, or null when TLS is not available. */
    SSLContext tls() {
        return SessionEvents.tls(serverTls, LOG, "POP3");
    }

    private SSLContext implicitTlsContext() {
        return SessionEvents.implicitTls(serverTls, LOG, "POP3");
    }

    /**
     * Takes the maildrop lock of {@code accountId} for {@code session}; false when another live
     * session holds it. A holder whose connection is already closing (the client dropped it, or
     * QUIT's deletions are done and the reply is leaving) gives way at once: a client that
     * reconnects right after closing must not find its own old session in the way.
     */
    boolean lock(String accountId, Pop3Session session) {
        Pop3Session holder = locks.putIfAbsent(accountId, session);
        return holder == null || (holder.isEnding() && locks.replace(accountId, holder, session));
    }

    void unlock(String accountId, Pop3Session session) {
        locks.remove(accountId, session);
    }

    /** The bound addresses (tests: the ephemeral ports); the second is null without implicit TLS. */
    InetSocketAddress[] localAddresses() {
        return new InetSocketAddress[] {plain.localAddress(), implicit == null ? null : implicit.localAddress()};
    }
}
