package org.postern.mailstore.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern mail store", description = "Mailboxes: storage quotas")
@interface MailStoreConfig {
    String PID = "org.postern.mailstore";

    @AttributeDefinition(name = "Default quota (MiB)",
            description = "Storage limit of an account without a limit of its own (postern:account-quota); "
                    + "0 means unlimited")
    long quota_default_mb() default 2048;
}
