package org.postern.smtp.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern SMTP (MX)",
        description = "Inbound SMTP server: listener, limits and timeouts (TLS: org.postern.tls)")
@interface SmtpConfig {
    String PID = "org.postern.smtp";

    @AttributeDefinition(name = "Listen address", description = "Production: 0.0.0.0 or a public address")
    String host() default "127.0.0.1";

    @AttributeDefinition(name = "Port", description = "Production: 25")
    int port() default 2525;

    @AttributeDefinition(name = "Host name",
            description = "Shown in the greeting and Received headers; empty: the host name of org.postern.tls")
    String hostname() default "";

    @AttributeDefinition(name = "Maximum message size", description = "Octets, advertised as SIZE")
    long max_message_size() default 26_214_400L;

    @AttributeDefinition(name = "Maximum recipients per message")
    int max_recipients() default 100;

    @AttributeDefinition(name = "Maximum line length",
            description = "Octets including CR LF, for commands and message lines (RFC 5321: 512 / 1000)")
    int max_line_length() default 1000;

    @AttributeDefinition(name = "Command timeout (seconds)")
    int command_timeout_seconds() default 300;

    @AttributeDefinition(name = "DATA timeout (seconds)", description = "Longest pause allowed inside DATA")
    int data_timeout_seconds() default 600;

    @AttributeDefinition(name = "Connections per client",
            description = "Simultaneous sessions from one IPv4 address or one IPv6 /64")
    int max_connections_per_ip() default 20;

    @AttributeDefinition(name = "Connections in total",
            description = "Simultaneous sessions on the listener; the next gets 421 4.3.2")
    int max_connections() default 1000;

    @AttributeDefinition(name = "Errors per session",
            description = "After this many 5xx replies the session is closed with 421")
    int max_errors() default 20;

    @AttributeDefinition(name = "Postmaster account",
            description = "The account (its primary address) that gets mail to postmaster@ and abuse@ every service domain "
                    + "and to <postmaster> (RFC 5321 4.5.1, RFC 2142); empty: such mail is kept as files in "
                    + "postern-data/role-mail for the operator")
    String postmaster_account() default "";

    @AttributeDefinition(name = "Sender authentication",
            description = "Check SPF, DKIM and DMARC for every accepted message and record the results in an "
                    + "Authentication-Results header (RFC 8601) naming this server; Authentication-Results fields "
                    + "that claim this server's name are removed from incoming mail either way")
    boolean sender_authentication() default true;

    @AttributeDefinition(name = "Refuse DMARC p=reject failures",
            description = "Answer 550 5.7.1 at the end of DATA when the From domain publishes p=reject (within its "
                    + "pct=) and neither SPF nor DKIM passed aligned with it, or when the message has several From "
                    + "fields; false: accept and record dmarc=fail")
    boolean dmarc_reject() default true;

    @AttributeDefinition(name = "Sender authentication timeout (seconds)",
            description = "Longest wait for each of SPF (from the start of the message), DKIM and DMARC (from the "
                    + "end of DATA); what has not finished by then is temperror")
    int sender_authentication_timeout_seconds() default 10;
}
