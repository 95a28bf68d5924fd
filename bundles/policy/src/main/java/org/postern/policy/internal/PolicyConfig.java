package org.postern.policy.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern recipient policy",
        description = "The cache of compiled Block Lists and catch-all rules")
@interface PolicyConfig {
    String PID = "org.postern.policy";

    @AttributeDefinition(name = "Cached accounts",
            description = "How many accounts' compiled lists are kept in memory; the least recently used go first")
    int cache_accounts() default 10_000;
}
