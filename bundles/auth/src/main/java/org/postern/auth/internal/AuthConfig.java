package org.postern.auth.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern authentication",
        description = "App passwords, bridge mode and login rate limits (DESIGN section 5)")
@interface AuthConfig {
    String PID = "org.postern.auth";

    @AttributeDefinition(name = "App password key file",
            description = "32 random bytes that key the app passwords' HMAC-SHA-256; every node of a cluster must "
                    + "have the same file. Empty: ${postern.data}/auth/app-password.key, made at first start")
    String app_password_key_file() default "";

    @AttributeDefinition(name = "Cutover",
            description = "From this instant (ISO-8601, e.g. 2027-03-01T00:00:00Z, or a date, meaning its start in UTC) "
                    + "account passwords open only the webmail. Empty: no cutover; an account leaves bridge mode "
                    + "when it gets its first app password")
    String cutover() default "";

    @AttributeDefinition(name = "Failures per account and address",
            description = "Failed logins for one login name from one client address (IPv6: its /64) within the window; "
                    + "past them every attempt of that pair fails, the right password too, for block.minutes")
    int failures_per_account_address() default 10;

    @AttributeDefinition(name = "Failures per address",
            description = "Failed logins from one client address (any login name) within the window before it is blocked")
    int failures_per_address() default 50;

    @AttributeDefinition(name = "Failure window (minutes)")
    int failure_window_minutes() default 15;

    @AttributeDefinition(name = "Block (minutes)", description = "How long a pair or an address stays blocked")
    int block_minutes() default 15;

    @AttributeDefinition(name = "Account failures before delays",
            description = "Failed logins on one account from any address within the window before every login of "
                    + "that account is delayed (never refused: nobody can lock a user out)")
    int account_delay_after() default 5;

    @AttributeDefinition(name = "Longest account delay (seconds)",
            description = "Delays start at one second and double per further failure up to this")
    int account_delay_max_seconds() default 16;

    @AttributeDefinition(name = "Revalidation period (seconds)",
            description = "How often live logins are checked again for what time alone ends (expiry, cutover); "
                    + "deletions, locks and removals end them at once")
    int revalidate_seconds() default 30;

    @AttributeDefinition(name = "Login threads",
            description = "Threads that check logins (store lookups, Argon2id); protocols never wait on them")
    int threads() default 8;

    @AttributeDefinition(name = "Queued logins",
            description = "Logins waiting for a thread or a delay beyond this are a temporary failure")
    int max_pending() default 2000;
}
