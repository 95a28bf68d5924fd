package org.postern.submission.internal;

import java.io.IOException;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.postern.api.auth.Authenticator;
import org.postern.api.policy.RecipientPolicy;
import org.postern.api.smtp.CoreService;
import org.postern.api.store.DataDirectory;
import org.postern.core.config.PortOffset;
import org.postern.protocol.ConnectionLimitFilter;
import org.postern.protocol.LineFilter;
import org.postern.protocol.Listener;
import org.postern.protocol.ServerTls;
import org.postern.protocol.SessionEvents;
import org.postern.protocol.smtp.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The submission listeners (RFC 6409): STARTTLS on one port, implicit TLS (RFC 8314) on the other.
 * AUTH is offered only under TLS and is required before MAIL; the mail goes through
 * {@link SubmissionService}, the same path the in-process {@code Submission} service takes.
 */
@Component(service = {}, immediate = true, configurationPid = SubmissionConfig.PID)
public class SubmissionServer {
    private static final Logger LOG = LoggerFactory.getLogger(SubmissionServer.class);
    static final String LINES = "lines";
    static final String TOO_MANY_CONNECTIONS = "421 4.7.0 Too many connections from your address";
    static final String BUSY = "421 4.3.2 Too many connections, try again later";

    @Reference
    SubmissionService submission;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile Authenticator authenticator;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile RecipientPolicy policy;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile ServerTls serverTls;

    final SubmissionConfig config;
    final int port;
    final int tlsPort;
    final Path spool;
    private Listener plain;
    private Listener implicit;

    @Activate
    public SubmissionServer(SubmissionConfig config) {
        this.config = config;
        PortOffset offset = PortOffset.of(System.getProperty(PortOffset.PROPERTY));
        this.port = offset.apply(config.port());
        this.tlsPort = config.tls_port() == 0 ? 0 : offset.apply(config.tls_port());
        this.spool = DataDirectory.resolve().resolve("spool").resolve("submission");
    }

    @Activate
    void start() {
        Spool.sweep(spool);
        ConnectionLimitFilter limit = new ConnectionLimitFilter(config.max_connections_per_ip(), TOO_MANY_CONNECTIONS,
                config.max_connections(), BUSY);
        SubmissionHandler handler = new SubmissionHandler(this);
        int binding = port;
        try {
            plain = Listener.on(config.host(), port).name("submission").idleTimeout(config.command_timeout_seconds())
                    .filter("limit", limit)
                    .filter(LINES, new LineFilter(config.max_line_length()))
                    .bind(handler);
            if (tlsPort != 0) {
                binding = tlsPort;
                implicit = Listener.on(config.host(), tlsPort).name("submissions")
                        .idleTimeout(config.command_timeout_seconds())
                        .filter("limit", limit)
                        .implicitTls(() -> SessionEvents.implicitTls(serverTls, LOG, "submission"))
                        .filter(LINES, new LineFilter(config.max_line_length()))
                        .bind(handler);
            }
        } catch (IOException | RuntimeException e) {
            stop();
            String reason = "cannot listen on " + config.host() + ":" + binding + ": " + e.getMessage();
            LOG.error("Postern submission not started: {}", reason);
            throw new IllegalStateException(reason, e);
        }
        LOG.info("Postern submission listening on {}{} (STARTTLS {})", plain.localAddress(),
                implicit == null ? "" : ", implicit TLS on " + implicit.localAddress(),
                serverTls == null ? "off until org.postern.tls is up" : "on");
    }

    @Deactivate
    void stop() {
        if (plain != null) {
            plain.close();
            plain = null;
        }
        if (implicit != null) {
            implicit.close();
            implicit = null;
        }
    }

    /** The context for STARTTLS now, or null. */
    SSLContext tls() {
        return SessionEvents.tls(serverTls, LOG, "submission");
    }

    /** Greeting and Received name: this PID's hostname, else the TLS identity's, else the machine's. */
    String hostname() {
        if (!config.hostname().isBlank()) {
            return config.hostname().strip();
        }
        ServerTls t = serverTls;
        return t != null ? t.hostname() : OutboundSettings.machineName();
    }

    java.net.InetSocketAddress localAddress() {
        return plain.localAddress();
    }

    java.net.InetSocketAddress implicitAddress() {
        return implicit == null ? null : implicit.localAddress();
    }
}
