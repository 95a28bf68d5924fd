package org.postern.protocol.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern TLS", description = "The certificate, key and host name every listener uses")
@interface TlsConfig {
    String PID = "org.postern.tls";

    @AttributeDefinition(name = "Host name",
            description = "In greetings and the self-signed certificate; empty: this machine's name, else localhost")
    String hostname() default "";

    @AttributeDefinition(name = "Keystore",
            description = "PKCS#12 file with key and chain; empty: a self-signed certificate in ${postern.data}/tls")
    String keystore() default "";

    /**
     * {@code .keystore.password}: the leading dot makes it a private property, which DS does not
     * copy into the service's properties, where every bundle and {@code service:list} could read it.
     */
    @AttributeDefinition(name = "Keystore password", type = AttributeType.PASSWORD)
    String _keystore_password() default "";

    @AttributeDefinition(name = "Renewal check (seconds)",
            description = "How often the keystore file is checked for a renewed certificate")
    int reload_check_seconds() default 60;
}
