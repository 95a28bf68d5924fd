package org.postern.submission.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern submission",
        description = "Mail sent by accounts: size, sending limits and the header fields removed for privacy")
@interface SubmissionConfig {
    String PID = "org.postern.submission";

    @AttributeDefinition(name = "Listen address", description = "Production: 0.0.0.0 or a public address")
    String host() default "127.0.0.1";

    @AttributeDefinition(name = "Port (STARTTLS)", description = "Production: 587")
    int port() default 5587;

    @AttributeDefinition(name = "Port (implicit TLS)", description = "Production: 465; 0: none")
    int tls_port() default 4465;

    @AttributeDefinition(name = "Host name",
            description = "Greeting and Received header; empty: the host name of org.postern.tls, else this machine's")
    String hostname() default "";

    @AttributeDefinition(name = "Command timeout (seconds)")
    int command_timeout_seconds() default 300;

    @AttributeDefinition(name = "DATA timeout (seconds)")
    int data_timeout_seconds() default 600;

    @AttributeDefinition(name = "Connections per client", description = "From one IPv4 address or one IPv6 /64")
    int max_connections_per_ip() default 20;

    @AttributeDefinition(name = "Connections in total")
    int max_connections() default 1000;

    @AttributeDefinition(name = "Errors per session", description = "After this many 5xx replies the session is closed")
    int max_errors() default 20;

    @AttributeDefinition(name = "Maximum line length", description = "Octets including CR LF (RFC 5321: 1000)")
    int max_line_length() default 1000;

    @AttributeDefinition(name = "Maximum message size", description = "Octets")
    long max_message_size() default 26_214_400L;

    @AttributeDefinition(name = "Recipients per message")
    int max_recipients() default 100;

    @AttributeDefinition(name = "Messages per hour", description = "Per account, on this node")
    int messages_per_hour() default 200;

    @AttributeDefinition(name = "Recipients per day", description = "Per account, on this node")
    int recipients_per_day() default 1000;

    @AttributeDefinition(name = "Header fields removed",
            description = "Fields that name the client, its address or its software; Received and Bcc are always removed")
    String[] strip_headers() default {"X-Originating-IP", "X-Mailer", "User-Agent", "X-Forwarded-For", "X-Real-IP",
        "X-Client-IP", "X-Sender-IP", "X-MimeOLE", "X-Newsreader", "X-Remote-Addr"};
}
