package org.postern.dav.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern DAV", description = "WebDAV with privatized principals under /dav/")
public @interface DavConfig {
    @AttributeDefinition(name = "Largest resource", description = "Bytes; a larger PUT is refused with 413")
    long max_resource_size() default 10L << 20;

    @AttributeDefinition(name = "Largest XML request body", description = "Bytes; PROPFIND, PROPPATCH and REPORT bodies")
    int max_xml_size() default 1 << 20;

    @AttributeDefinition(name = "Realm", description = "The HTTP Basic realm clients show")
    String realm() default "Postern";

    @AttributeDefinition(name = "Login cache seconds",
            description = "How long a verified credential is reused without asking the authenticator again; 0 disables")
    int auth_cache_seconds() default 60;

    @AttributeDefinition(name = "Login cache size", description = "Verified credentials kept at most (oldest go first)")
    int auth_cache_max() default 10000;

    @AttributeDefinition(name = "Lock timeout", description = "Seconds a LOCK lasts when the client names no timeout")
    long lock_timeout_default_seconds() default 3600;

    @AttributeDefinition(name = "Longest lock timeout", description = "Seconds; longer requests (and Infinite) get this")
    long lock_timeout_max_seconds() default 86400;
}
