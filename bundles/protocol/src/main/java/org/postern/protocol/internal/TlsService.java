package org.postern.protocol.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.address.DomainName;
import org.postern.core.config.ConfigCheck;
import org.postern.api.store.DataDirectory;
import org.postern.protocol.ServerTls;
import org.postern.protocol.Tls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ServerTls} of this node. A configured PKCS#12 keystore is checked for renewal every
 * {@code reload.check.seconds} and on every configuration change ({@code @Modified}: the service
 * stays registered, so no listener rebinds); without one, the self-signed certificate kept
 * under {@code ${postern.data}/tls} is used. A keystore that cannot be read at start fails the
 * component with one log line; a broken renewal keeps the previous certificate.
 */
@Component(service = ServerTls.class, immediate = true, configurationPid = TlsConfig.PID,
        property = org.postern.api.smtp.CoreService.PROPERTY + "=true")
@Designate(ocd = TlsConfig.class)
public class TlsService implements ServerTls {
    private static final Logger LOG = LoggerFactory.getLogger(TlsService.class);

    private final ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "postern-tls-renewal");
        t.setDaemon(true);
        return t;
    });
    private volatile Supplier<SSLContext> context;
    private volatile Tls.Reloadable reloadable;
    private volatile String hostname;
    private volatile String source = "";
    private volatile String password = "";

    @Activate
    public TlsService(TlsConfig config, Map<String, Object> properties) {
        try {
            apply(config, properties);
        } catch (RuntimeException e) {
            checker.shutdownNow();
            LOG.error("Postern TLS not started: {}", e.getMessage());
            throw e;
        }
        int every = Math.max(1, config.reload_check_seconds());
        checker.scheduleWithFixedDelay(this::checkRenewal, every, every, TimeUnit.SECONDS);
    }

    @Modified
    void modified(TlsConfig config, Map<String, Object> properties) {
        try {
            apply(config, properties);
        } catch (RuntimeException e) {
            LOG.error("Postern TLS: new configuration refused, keeping the current certificate: {}", e.getMessage());
        }
    }

    @Deactivate
    void stop() {
        checker.shutdownNow();
    }

    private synchronized void apply(TlsConfig config, Map<String, Object> properties) {
        ConfigCheck check = ConfigCheck.of(TlsConfig.PID, properties).isLong("reload.check.seconds", 1, 86_400);
        String name = config.hostname().trim();
        if (!name.isEmpty()) {
            try {
                name = DomainName.normalizeLabels(name);
            } catch (IllegalArgumentException e) {
                check.problem(true, "hostname = '" + config.hostname() + "' is not a host name");
            }
        }
        String keystore = config.keystore().trim();
        check.problem(!keystore.isEmpty() && !Files.isReadable(Path.of(keystore)),
                "keystore = '" + keystore + "' is not a readable file");
        check.throwIfInvalid();
        String host = name.isEmpty() ? machineName() : name;
        try {
            if (keystore.isEmpty()) {
                SSLContext selfSigned = Tls.selfSigned(DataDirectory.resolve().resolve("tls"), host);
                reloadable = null;
                context = () -> selfSigned;
            } else if (!keystore.equals(source) || reloadable == null
                    || !config._keystore_password().equals(password)) {
                Tls.Reloadable r = Tls.Reloadable.of(Path.of(keystore), config._keystore_password().toCharArray());
                reloadable = r;
                context = r;
            } else {
                reloadable.reloadIfChanged();
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load TLS keystore " + keystore + ": " + e.getMessage(), e);
        }
        source = keystore;
        password = config._keystore_password();
        hostname = host;
        LOG.info("Postern TLS: {} for {}", keystore.isEmpty() ? "self-signed certificate" : "keystore " + keystore, host);
    }

    private void checkRenewal() {
        Tls.Reloadable r = reloadable;
        if (r != null) {
            r.reloadIfChanged();
        }
    }

    @Override
    public SSLContext context() {
        return context.get();
    }

    @Override
    public String hostname() {
        return hostname;
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
}
