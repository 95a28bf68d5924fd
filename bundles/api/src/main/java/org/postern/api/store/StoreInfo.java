package org.postern.api.store;

import java.nio.file.Path;
import org.osgi.annotation.versioning.ProviderType;

/** What the operator needs to know about the store. Registered only while the store is up. */
@ProviderType
public interface StoreInfo {
    /** The highest schema migration applied. */
    int schemaVersion();

    /** JDBC URL with any credentials removed. */
    String jdbcUrl();

    /** The {@code postern.data} directory. */
    Path dataDirectory();

    /** Database product and version as the driver reports them. */
    String databaseProduct();
}
