package org.postern.https.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern HTTPS",
        description = "The HTTPS listener of the web server (DAV, webmail), with the certificate of org.postern.tls")
@interface HttpsConfig {
    String PID = "org.postern.https";

    @AttributeDefinition(name = "Enabled", description = "false: no HTTPS listener (plain HTTP on 8181 stays)")
    boolean enabled() default true;

    @AttributeDefinition(name = "Address",
            description = "IP address to listen on; 0.0.0.0 (or ::) for every interface")
    String address() default "127.0.0.1";

    @AttributeDefinition(name = "Port")
    int port() default 8443;

    @AttributeDefinition(name = "Connections per client",
            description = "Simultaneous connections per client address (an IPv6 /64); more are closed at once")
    int max_connections_per_ip() default 50;

    @AttributeDefinition(name = "Connections in total")
    int max_connections() default 5000;
}
