package org.postern.smtp.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern SMTP (MX)",
        description = "Inbound SMTP server: listener, limits, timeouts and TLS")
@interface SmtpConfig {
    String PID = "org.postern.smtp";

    @AttributeDefinition(name = "Listen address", description = "Production: 0.0.0.0 or a public address")
    String host() default "127.0.0.1";

    @AttributeDefinition(name = "Port", description = "Production: 25")
    int port() default 2525;

    @AttributeDefinition(name = "Host name",
            description = "Shown in the greeting and Received headers; empty: this machine's name, else localhost")
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

    @AttributeDefinition(name = "Connections per IP", description = "Simultaneous sessions from one address")
    int max_connections_per_ip() default 20;

    @AttributeDefinition(name = "Connections in total",
            description = "Simultaneous sessions on the listener; the next gets 421 4.3.2")
    int max_connections() default 1000;

    @AttributeDefinition(name = "Errors per session",
            description = "After this many 5xx replies the session is closed with 421")
    int max_errors() default 20;

    @AttributeDefinition(name = "TLS keystore",
            description = "PKCS#12 file with key and chain; empty: a self-signed certificate in ${postern.data}/tls")
    String tls_keystore() default "";

    @AttributeDefinition(name = "TLS keystore password", type = AttributeType.PASSWORD)
    String tls_keystore_password() default "";
}
