package org.postern.testing.clock;

import java.math.BigDecimal;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.postern.api.billing.PaymentProvider;

/**
 * The payment provider {@code test}, for the itests: renewals are paid, or declined when
 * {@code etc/org.postern.testpayments.cfg} says {@code renewals = decline}. Written against the
 * plugin API alone, as a third party's provider would be.
 */
@Component(configurationPid = TestPaymentProvider.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = PaymentProvider.NAME + "=test")
@Designate(ocd = TestPaymentProvider.Config.class)
public class TestPaymentProvider implements PaymentProvider {
    static final String PID = "org.postern.testpayments";

    @ObjectClassDefinition(name = "Postern test payments")
    public @interface Config {
        @AttributeDefinition(description = "pay or decline")
        String renewals() default "pay";
    }

    private volatile boolean decline;

    @Activate
    @Modified
    void configure(Config config) {
        decline = "decline".equalsIgnoreCase(config.renewals().strip());
    }

    @Override
    public Charge renew(String accountRef, String plan, BigDecimal amount, String currency) {
        return decline ? Charge.declined("the test card was declined") : Charge.paid("test-renewal-" + UUID.randomUUID());
    }
}
