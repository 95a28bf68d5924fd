package org.postern.billing.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern billing", description = "Plans, payments and the account lifecycle")
public @interface BillingConfig {
    String PID = "org.postern.billing";

    @AttributeDefinition(name = "zone", description = "the time zone whose days billing counts in (a tz region, or UTC): "
            + "an account expires at the start of its expire date there")
    String zone() default "UTC";
}
