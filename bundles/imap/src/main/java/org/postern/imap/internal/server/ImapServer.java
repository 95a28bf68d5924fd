package org.postern.imap.internal.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.apache.mina.core.session.IoSession;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.auth.Authenticator;
import org.postern.api.mail.Mailboxes;
import org.postern.api.smtp.CoreService;
import org.postern.api.store.DataDirectory;
import org.postern.core.store.ChangeListener;
import org.postern.imap.internal.decode.TempFileSpool;
import org.postern.protocol.ChunkFilter;
import org.postern.protocol.ConnectionLimitFilter;
import org.postern.protocol.Listener;
import org.postern.protocol.ServerTls;
import org.postern.protocol.SessionEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IMAP server: a listener with STARTTLS and, unless configured off, an implicit-TLS listener,
 * sharing one connection limit. It hears the store's "mail" announcements (this node's and, with
 * PostgreSQL, every other node's) and wakes the sessions of that account: IDLE answers at once.
 * Every collaborator is optional and dynamic: while the authenticator or the mail store is away,
 * logins get {@code NO [UNAVAILABLE]} and the listeners stay up.
 */
@Component(service = ChangeListener.class, immediate = true, configurationPid = ImapConfig.PID)
@Designate(ocd = ImapConfig.class)
public class ImapServer implements ChangeListener {
    private static final Logger LOG = LoggerFactory.getLogger(ImapServer.class);
    static final String CHUNKS = "chunks";
    static final String MAIL = "mail";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile Authenticator authenticator;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile Mailboxes mailboxes;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = CoreService.TARGET)
    volatile ServerTls serverTls;

    private final Settings settings;
    private final TempFileSpool spool;
    /** Logged-in sessions by account, to wake on changes. */
    private final Map<String, Set<IoSession>> byAccount = new ConcurrentHashMap<>();
    private final Map<ImapSession, IoSession> ios = new ConcurrentHashMap<>();
    private final FolderIndexes indexes = new FolderIndexes();
    private Listener plain;
    private Listener implicit;

    @Activate
    public ImapServer(ImapConfig config, Map<String, Object> properties) {
        this(checked(config, properties), DataDirectory.resolve().resolve("tmp").resolve("imap-append"));
    }

    ImapServer(Settings settings, Path spoolDirectory) {
        this.settings = settings;
        this.spool = new TempFileSpool(spoolDirectory);
        try {
            int swept = spool.sweep();
            if (swept > 0) {
                LOG.info("Postern IMAP: removed {} APPEND spool file(s) a previous run left", swept);
            }
        } catch (IOException e) {
            LOG.warn("Postern IMAP: cannot sweep {}: {}", spoolDirectory, e.toString());
        }
    }

    private static Settings checked(ImapConfig config, Map<String, Object> properties) {
        try {
            return Settings.from(config, properties);
        } catch (IllegalArgumentException e) {
            LOG.error("Postern IMAP not started: {}", e.getMessage());
            throw e;
        }
    }

    @Activate
    void start() {
        ConnectionLimitFilter limit = new ConnectionLimitFilter(settings.maxConnectionsPerIp(),
                "* BYE [UNAVAILABLE] Too many connections from your address", settings.maxConnections(),
                "* BYE [UNAVAILABLE] Too many connections, try again later");
        ImapHandler handler = new ImapHandler(this);
        int port = settings.port();
        try {
            plain = Listener.on(settings.host(), port).name("imap").idleTimeout(settings.idleTimeoutSeconds())
                    .filter("limit", limit)
                    .filter(CHUNKS, new ChunkFilter())
                    .bind(handler);
            if (settings.tlsPort() != Settings.NO_TLS_PORT) {
                port = settings.tlsPort();
                implicit = Listener.on(settings.host(), port).name("imaps").idleTimeout(settings.idleTimeoutSeconds())
                        .filter("limit", limit)
                        .implicitTls(this::implicitTlsContext)
                        .filter(CHUNKS, new ChunkFilter())
                        .bind(handler);
            }
        } catch (IOException | RuntimeException e) {
            stop();
            String reason = "cannot listen on " + settings.host() + ":" + port + settings.portNote() + ": " + e.getMessage();
            LOG.error("Postern IMAP not started: {}", reason);
            throw new IllegalStateException(reason, e);
        }
        LOG.info("Postern IMAP listening on {}{}{} (plaintext logins {})", plain.localAddress(),
                implicit == null ? "" : ", implicit TLS on " + implicit.localAddress(), settings.portNote(),
                settings.allowPlaintextAuth() ? "allowed" : "only from loopback or after STARTTLS");
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
            LOG.info("Postern IMAP stopped");
        }
    }

    Settings settings() {
        return settings;
    }

    TempFileSpool spool() {
        return spool;
    }

    FolderIndexes indexes() {
        return indexes;
    }

    SSLContext tls() {
        return SessionEvents.tls(serverTls, LOG, "IMAP");
    }

    private SSLContext implicitTlsContext() {
        return SessionEvents.implicitTls(serverTls, LOG, "IMAP");
    }

    // ---- sessions by account, for change announcements ----

    void watch(String accountId, ImapSession session) {
        IoSession io = sessionIo(session);
        if (io != null) {
            byAccount.computeIfAbsent(accountId, k -> ConcurrentHashMap.newKeySet()).add(io);
        }
    }

    void forget(String accountId, ImapSession session) {
        IoSession io = ios.remove(session);
        if (io != null && accountId != null) {
            byAccount.computeIfPresent(accountId, (k, set) -> {
                set.remove(io);
                return set.isEmpty() ? null : set;
            });
        }
    }

    void register(ImapSession session, IoSession io) {
        ios.put(session, io);
    }

    private IoSession sessionIo(ImapSession session) {
        return ios.get(session);
    }

    @Override
    public void changed(String topic, String key) {
        if (!MAIL.equals(topic)) {
            return;
        }
        // Before the sessions wake: each then finds its folder stale and the first reads it.
        indexes.changed(key);
        Set<IoSession> sessions = byAccount.get(key);
        if (sessions != null) {
            for (IoSession io : sessions) {
                ImapHandler.fire(io, ImapSession.CHANGED);
            }
        }
    }

    @Override
    public void resync() {
        indexes.changedAll();
        for (Set<IoSession> sessions : byAccount.values()) {
            for (IoSession io : sessions) {
                ImapHandler.fire(io, ImapSession.CHANGED);
            }
        }
    }

    /** The bound addresses (tests); the second is null without implicit TLS. */
    InetSocketAddress[] localAddresses() {
        return new InetSocketAddress[] {plain.localAddress(), implicit == null ? null : implicit.localAddress()};
    }
}
