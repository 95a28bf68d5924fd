package org.postern.store.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern store",
        description = "Database and blob store. Data lives under the postern.data directory.")
@interface StoreConfig {
    String PID = "org.postern.store";

    @AttributeDefinition(name = "JDBC URL", description = "Empty: embedded Derby at ${postern.data}/db")
    String jdbc_url() default "";

    @AttributeDefinition(name = "JDBC user")
    String jdbc_user() default "";

    @AttributeDefinition(name = "JDBC password", type = AttributeType.PASSWORD)
    String jdbc_password() default "";

    @AttributeDefinition(name = "Driver", description = "Filter selecting the pax-jdbc DataSourceFactory")
    String dataSourceFactory_target() default "(osgi.jdbc.driver.class=org.apache.derby.jdbc.EmbeddedDriver)";

    @AttributeDefinition(name = "Blob directory", description = "Empty: ${postern.data}/blobs")
    String blob_dir() default "";

    @AttributeDefinition(name = "fsync blobs",
            description = "Flush every message body to disk before it is acknowledged. Only tests turn this off.")
    boolean blob_fsync() default true;
}
