package org.postern.core.store;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** Per-account policy rows (Block List, catch-all entries and mode). Used by the policy bundle only. */
@ProviderType
public interface PolicyRepository {
    /** The two lists an account has. */
    enum ListKind {
        BLOCK, CATCH_ALL
    }

    List<String> entries(String accountId, ListKind list);

    /** @throws DuplicateKeyException when the entry is there already */
    void addEntry(String accountId, ListKind list, String entry);

    /** @return false when there was no such entry */
    boolean removeEntry(String accountId, ListKind list, String entry);

    /** The stored catch-all mode name, or null for the default. */
    String catchAllMode(String accountId);

    void setCatchAllMode(String accountId, String mode);
}
