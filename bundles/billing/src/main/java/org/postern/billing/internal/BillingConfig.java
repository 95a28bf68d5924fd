package org.postern.billing.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern billing", description = "Plans, payments and the account lifecycle")
public @interface BillingConfig {
    String PID = "org.postern.billing";

    @AttributeDefinition(name = "zone", description = "the time zone whose days billing counts in (a tz region, or UTC): "
            + "an account expires at the start of its expire date there")
    String zone() default "UTC";

    @AttributeDefinition(name = "reminder.days", description = "days before the expire date on which a reminder is mailed, comma-separated")
    String reminder_days() default "14,7,1";

    @AttributeDefinition(name = "removal.days", description = "days after the expire date on which a locked account is removed (1..3650)")
    int removal_days() default 90;

    @AttributeDefinition(name = "run.at", description = "the daily lifecycle run, HH:MM in the billing zone")
    String run_at() default "03:00";

    @AttributeDefinition(name = "service.name", description = "the name service mail is signed with: letters, digits, spaces, - & ' (no dots: it must not look like a link)")
    String service_name() default "Postern";
}
