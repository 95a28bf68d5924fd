package org.postern.accounts.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern accounts",
        description = "Account passwords (Argon2id) and new-account defaults")
@interface AccountsConfig {
    String PID = "org.postern.accounts";

    @AttributeDefinition(name = "Minimum password length")
    int password_min_length() default 12;

    @AttributeDefinition(name = "Argon2id memory (KiB)",
            description = "At least 19456 with 2 or more iterations, or 47104 with 1 (OWASP's floor)")
    int argon2_memory_kib() default 19456;

    @AttributeDefinition(name = "Argon2id iterations")
    int argon2_iterations() default 2;

    @AttributeDefinition(name = "Argon2id parallelism")
    int argon2_parallelism() default 1;

    @AttributeDefinition(name = "Concurrent Argon2id computations",
            description = "At most this many hashes are computed at once, each holding argon2.memory.kib;"
                    + " 0 means one per processor")
    int argon2_concurrency() default 0;

    @AttributeDefinition(name = "Wait for a hashing slot (ms)",
            description = "A login or password change that waits longer fails as a temporary failure")
    int argon2_wait_ms() default 3000;

    @AttributeDefinition(name = "Initial period (days)",
            description = "A new account without an explicit expire date expires this many days after creation")
    int initial_period_days() default 30;
}
