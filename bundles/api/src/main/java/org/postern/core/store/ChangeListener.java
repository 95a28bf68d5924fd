package org.postern.core.store;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told when data that a node may cache has changed, on this node or on another node of the same
 * database: a whiteboard service. The store calls it after the change has committed; with
 * PostgreSQL, other nodes learn of it through LISTEN/NOTIFY (DESIGN section 10). Implementations
 * drop what they cached and return at once: they run on the store's notification thread.
 */
@ConsumerType
public interface ChangeListener {
    /** An account's Block List or Manage Catch-alls changed. Key: the account id. */
    String POLICY = "policy";
    /** An account changed: status, password, owned domains, removal. Key: the account id. */
    String ACCOUNT = "account";
    /**
     * An account's mail changed: a delivery, an append, flags, an expunge or deletion, a copy or
     * move, a folder created, deleted, renamed or (un)subscribed, the quota. Key: the account id.
     * IMAP sessions then ask {@code Mailboxes.changes} what happened.
     */
    String MAIL = "mail";

    /**
     * @param topic {@link #POLICY}, {@link #ACCOUNT}, {@link #MAIL}, or a topic a later version adds (ignore those)
     * @param key   what changed within the topic
     */
    void changed(String topic, String key);

    /**
     * Changes may have been missed (the connection that hears other nodes was lost and is back):
     * drop everything cached.
     */
    void resync();

    /**
     * Whether this node hears other nodes' changes: false while the change feed has lost its
     * connection, true again once it listens. While false, keep nothing cached (read through):
     * a change made meanwhile on another node would go unheard. Either way what was cached may
     * be stale: the default drops it ({@link #resync()}), and so must an override. Nodes without
     * a feed (embedded Derby, one node) never call it.
     */
    default void hearing(boolean changesAreHeard) {
        resync();
    }
}
