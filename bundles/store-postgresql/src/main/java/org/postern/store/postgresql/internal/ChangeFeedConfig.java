package org.postern.store.postgresql.internal;

import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.AttributeDefinition;

/**
 * The part of the store's configuration (PID {@code org.postern.store}) the change feed reads:
 * it listens on the database the store uses. The store's own metatype describes the PID.
 */
@interface ChangeFeedConfig {
    String jdbc_url() default "";

    String jdbc_user() default "";

    @AttributeDefinition(type = AttributeType.PASSWORD)
    String jdbc_password() default "";
}
