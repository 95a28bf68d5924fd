package org.postern.webmail.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern webmail", description = "The webmail under /mail/ (text mode and rich mode)")
public @interface WebmailConfig {
    String PID = "org.postern.webmail";

    @AttributeDefinition(name = "Idle timeout", description = "Minutes without a request after which a session ends (1..1440)")
    int session_idle_minutes() default 30;

    @AttributeDefinition(name = "Absolute timeout", description = "Hours after login at which a session ends however busy (1..720)")
    int session_absolute_hours() default 12;

    @AttributeDefinition(name = "Sessions per account", description = "Live sessions one account may hold; a new login ends the oldest (1..1000)")
    int sessions_per_account() default 20;

    @AttributeDefinition(name = "Messages per page", description = "Rows of the message list (10..500)")
    int page_size() default 50;

    @AttributeDefinition(name = "Secure cookies", description = "auto: Secure when the request came over TLS; true: always (behind a TLS proxy); false: never")
    String cookie_secure() default "auto";

    @AttributeDefinition(name = "Largest message shown", description = "Octets; a larger message is not read into memory to be shown, searched or answered")
    long max_message_shown() default 32L << 20;

    @AttributeDefinition(name = "Default theme", description = "The theme of rich mode for accounts that chose none (or whose theme was uninstalled)")
    String theme_default() default "light";

    @AttributeDefinition(name = "TOTP issuer", description = "The name authenticator apps show next to the account")
    String totp_issuer() default "Postern";

    @AttributeDefinition(name = "Longest text shown", description = "Characters of a message's text shown on its page; the rest is cut with a notice")
    int max_text_chars() default 8 << 20;
}
