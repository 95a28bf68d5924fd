package org.postern.smtp.internal;

import org.postern.protocol.smtp.DataFraming;
import org.postern.protocol.smtp.SmtpSyntax;
import org.postern.protocol.smtp.SmtpChunking;
import org.postern.protocol.smtp.Spool;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.whiteboard.WhiteboardOrder;
import org.postern.api.mail.MailStore;
import org.postern.api.mail.Mailboxes;
import org.postern.api.policy.RecipientPolicy;
import org.postern.api.smtp.CoreService;
import org.postern.api.smtp.SmtpPolicy;
import org.postern.api.store.BlobStore;
import org.postern.protocol.ConnectionLimitFilter;
import org.postern.protocol.LineFilter;
import org.postern.protocol.Listener;
import org.postern.protocol.ServerTls;
import org.postern.api.dns.DnsResolver;
import org.postern.api.dns.SendingServerResolver;
import org.postern.mailauth.SenderAuthentication;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound SMTP (MX) server: owns the listener and the services every session asks. All
 * collaborators are optional and dynamic, so the listener keeps serving (with {@code 451}) while
 * the store, mail store or policy bundles are redeployed. A configuration change re-activates
 * the component, which rebinds the listener.
 */
@Component(service = {}, immediate = true, configurationPid = SmtpConfig.PID)
@Designate(ocd = SmtpConfig.class)
public class SmtpServer {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);
    static final String TOO_MANY_CONNECTIONS = "421 4.7.0 Too many connections from your address";
    static final String BUSY = "421 4.3.2 Too many connections, try again later";
    /** The line filter's name in the chain: continuations enter right after it (see SmtpHandler). */
    static final String LINES = "lines";

    // Postern's own checks and stores: only the implementations marked postern.core=true, so a
    // bundle registering these interfaces cannot silently replace them (DESIGN §4).
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile RecipientPolicy recipientPolicy;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile BlobStore blobStore;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile MailStore mailStore;

    /** Quotas, asked at RCPT TO (452 4.2.2 for a full mailbox); without it, RCPT does not check them. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile Mailboxes mailboxes;
    /** The RCPT quota check's recent readings (see RecentQuotas). */
    final RecentQuotas recentQuotas = new RecentQuotas();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile SendingServerResolver resolver;

    /** SPF, DKIM and DMARC lookups; without it no Authentication-Results are written (forged ones still go). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile DnsResolver dns;

    /** Service domains, for postmaster@ and abuse@ (RFC 5321 4.5.1, RFC 2142). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile org.postern.api.account.DomainService domains;

    /** Finds the postmaster account. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile org.postern.api.account.AddressResolver addresses;

    /**
     * Third-party policies with their service properties, as SCR hands them over: a list it
     * replaces on every change and never mutates, so a session that took {@link #policies()}
     * keeps asking the same chain while plugins come and go. Read it through {@link #policies()}.
     */
    @Reference(service = SmtpPolicy.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Map.Entry<Map<String, Object>, SmtpPolicy>> policies = List.of();

    private final Settings settings;
    /** The node's TLS identity (org.postern.tls); without it STARTTLS is not offered. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile ServerTls serverTls;
    private Listener listener;

    /** A policy, its place in the chain and the name the logs give it. */
    record RankedPolicy(SmtpPolicy policy, int ranking, long serviceId, String name) {
        static RankedPolicy of(Map.Entry<Map<String, Object>, SmtpPolicy> tuple) {
            Map<String, Object> p = tuple.getKey();
            Object name = p.get(SmtpPolicy.NAME);
            return new RankedPolicy(tuple.getValue(), WhiteboardOrder.ranking(p), WhiteboardOrder.id(p),
                    name != null ? name.toString() : tuple.getValue().getClass().getName());
        }
    }

    @Activate
    public SmtpServer(SmtpConfig config, Map<String, Object> properties) {
        this(checked(config, properties));
    }

    SmtpServer(Settings settings) {
        this.settings = settings;
    }

    private static Settings checked(SmtpConfig config, Map<String, Object> properties) {
        try {
            return Settings.from(config, properties);
        } catch (IllegalArgumentException e) {
            LOG.error("Postern SMTP not started: {}", e.getMessage());
            throw e;
        }
    }

    /** Opens the listener; runs after the references are bound. */
    @Activate
    void start() {
        Spool.sweep(settings.spoolDirectory());
        try {
            listener = Listener.on(settings.host(), settings.port()).name("smtp")
                    .idleTimeout(settings.commandTimeoutSeconds())
                    .filter("limit", new ConnectionLimitFilter(settings.maxConnectionsPerIp(), TOO_MANY_CONNECTIONS,
                            settings.maxConnections(), BUSY))
                    .filter(LINES, new LineFilter(settings.maxLineLength(), new SmtpChunking()))
                    .bind(new SmtpHandler(this));
        } catch (IOException | RuntimeException e) {
            String reason = "cannot listen on " + settings.host() + ":" + settings.port() + settings.portNote() + ": "
                    + e.getMessage();
            LOG.error("Postern SMTP not started: {}", reason);
            throw new IllegalStateException(reason, e);
        }
        LOG.info("Postern SMTP listening on {}{} as {} (STARTTLS {})", listener.localAddress(), settings.portNote(),
                hostname(), serverTls == null ? "off until org.postern.tls is up" : "on");
    }

    @Deactivate
    void stop() {
        if (listener != null) {
            listener.close();
            listener = null;
            LOG.info("Postern SMTP stopped");
        }
    }

    /** Tests only: what SCR does when a policy is registered (or its properties change). */
    synchronized void bindPolicy(SmtpPolicy policy, Map<String, Object> properties) {
        List<Map.Entry<Map<String, Object>, SmtpPolicy>> next = new ArrayList<>(policies);
        next.removeIf(t -> t.getValue() == policy);
        next.add(Map.entry(Map.copyOf(properties), policy));
        policies = List.copyOf(next);
    }

    /** Tests only: what SCR does when a policy goes. */
    synchronized void unbindPolicy(SmtpPolicy policy) {
        List<Map.Entry<Map<String, Object>, SmtpPolicy>> next = new ArrayList<>(policies);
        next.removeIf(t -> t.getValue() == policy);
        policies = List.copyOf(next);
    }

    // ---- what sessions ask ----

    Settings settings() {
        return settings;
    }

    /** The context for a STARTTLS now, or null when TLS is not available. */
    SSLContext tls() {
        ServerTls t = serverTls;
        try {
            return t == null ? null : t.context();
        } catch (RuntimeException e) {
            LOG.warn("Postern SMTP: STARTTLS not offered: {}", e.toString());
            return null;
        }
    }

    /** The name in greetings and headers: this PID's hostname, else the TLS identity's, else the machine's. */
    String hostname() {
        if (!settings.hostname().isEmpty()) {
            return settings.hostname();
        }
        ServerTls t = serverTls;
        return t != null ? t.hostname() : Settings.machineName();
    }

    /**
     * The checks for one transaction, or null when they are switched off or no resolver is
     * bound (then the message gets no Authentication-Results).
     */
    SenderAuthentication senderAuthentication() {
        DnsResolver d = dns;
        if (!settings.senderAuthentication() || d == null) {
            return null;
        }
        return new SenderAuthentication(d, hostname(), Duration.ofSeconds(settings.authTimeoutSeconds()));
    }

    /** The policies now, in {@link WhiteboardOrder#ORDER}; a session asks once per stage and keeps the list. */
    List<RankedPolicy> policies() {
        return WhiteboardOrder.sorted(policies).stream().map(RankedPolicy::of).toList();
    }

    /** The bound address (tests: the ephemeral port). */
    java.net.InetSocketAddress localAddress() {
        return listener.localAddress();
    }
}
