package org.postern.billing.internal;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.postern.api.billing.PaymentProvider;

/**
 * A provider that reports payments to {@code /billing/webhook/<name>} signed with a shared secret
 * (one factory configuration per provider: {@code etc/org.postern.billing.webhook-<name>.cfg}).
 * The secret is read from an owner-only file named in the configuration, never from the
 * configuration itself: configuration properties become service properties, which every bundle
 * can read. Its renewals arrive by its webhook, so billing's own renewal asks are declined.
 */
@Component(service = {PaymentProvider.class, WebhookProvider.class}, configurationPid = WebhookProvider.FACTORY_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = WebhookProvider.Config.class, factory = true)
public class WebhookProvider implements PaymentProvider {
    static final String FACTORY_PID = "org.postern.billing.webhook";
    static final int MIN_SECRET = 32;

    @ObjectClassDefinition(name = "Postern billing webhook provider")
    public @interface Config {
        @AttributeDefinition(name = "postern.payment.provider", description = "the provider's name (a-z 0-9 . _ -): its URL is /billing/webhook/<name>")
        String postern_payment_provider();

        @AttributeDefinition(name = "secret.file", description = "an owner-only file holding the shared HMAC secret (at least 32 octets)")
        String secret_file();
    }

    final String name;
    private final byte[] secret;

    @Activate
    public WebhookProvider(Config config) throws IOException {
        this.name = config.postern_payment_provider().strip();
        if (!org.postern.core.billing.Plan.validName(name) || name.equals("manual")) {
            throw new IllegalArgumentException("postern.payment.provider must be 1 to 64 of a-z 0-9 . _ - (and not manual)");
        }
        Path file = Path.of(config.secret_file().strip());
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            throw new IllegalArgumentException("secret.file " + file + " must be readable by its owner only (chmod 600)");
        }
        byte[] raw = Files.readAllBytes(file);
        int end = raw.length;
        while (end > 0 && (raw[end - 1] == '\n' || raw[end - 1] == '\r')) {
            end--;
        }
        if (end < MIN_SECRET) {
            throw new IllegalArgumentException("secret.file must hold at least " + MIN_SECRET + " octets");
        }
        this.secret = java.util.Arrays.copyOf(raw, end);
        java.util.Arrays.fill(raw, (byte) 0);
    }

    byte[] secret() {
        return secret;
    }

    @Override
    public Charge renew(String accountRef, String plan, BigDecimal amount, String currency) {
        return Charge.declined("renewals through " + name + " arrive by its webhook");
    }
}
