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

    @AttributeDefinition(name = "Pool size",
            description = "Connections kept to a database server (PostgreSQL); embedded Derby uses none (4..1000)")
    int jdbc_pool_size() default 16;

    @AttributeDefinition(name = "Connect timeout (seconds)",
            description = "How long an operation waits for a database connection before it fails temporarily "
                    + "(SMTP answers 451) (1..600)")
    int jdbc_connect_timeout_seconds() default 5;

    @AttributeDefinition(name = "Blob directory", description = "Empty: ${postern.data}/blobs")
    String blob_dir() default "";

    @AttributeDefinition(name = "fsync blobs",
            description = "Flush every message body to disk before it is acknowledged. Only tests turn this off.")
    boolean blob_fsync() default true;

    @AttributeDefinition(name = "Blob journal",
            description = "With fsync on: concurrent message bodies share one disk flush through a node-local journal "
                    + "(${postern.data}/blob-journal), checkpointed into the blob directory every few seconds. "
                    + "Off: every body is flushed on its own")
    boolean blob_journal() default true;

    @AttributeDefinition(name = "Checkpoint with syncfs",
            description = "With the journal: a checkpoint flushes the blob directory's whole filesystem with one syncfs "
                    + "(sync -f) instead of forcing each blob file, where that is as safe: Linux 5.8 or later, a local "
                    + "filesystem (ext4, xfs, btrfs, f2fs, zfs, overlay), sync -f working. Otherwise, or off: each file")
    boolean blob_checkpoint_syncfs() default true;

    @AttributeDefinition(name = "Blob deletion retry (seconds)",
            description = "How often bodies recorded for deletion whose unlinking failed are tried again (1..86400)")
    int blob_deletion_retry_seconds() default 60;

    @AttributeDefinition(name = "Orphaned blob grace (minutes)",
            description = "A blob file no message refers to is deleted once it is this old; younger ones may be "
                    + "deliveries in flight (5..10080)")
    int blob_orphan_grace_minutes() default 60;

    @AttributeDefinition(name = "Orphaned blob sweep (hours)",
            description = "How often the collector of orphaned blob files runs; also once shortly after start (1..720)")
    int blob_orphan_interval_hours() default 24;

    @AttributeDefinition(name = "Orphaned blob files per sweep",
            description = "At most about this many blob files are looked at per sweep; the next one goes on where it "
                    + "stopped (1000..100000000)")
    int blob_orphan_max_files() default 200000;
}
