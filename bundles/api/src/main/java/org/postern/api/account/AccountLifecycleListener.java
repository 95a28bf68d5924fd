package org.postern.api.account;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: told after an account changes state. Called synchronously after the change is
 * committed; an exception is logged and does not undo the change. Implement only what you need.
 */
@ConsumerType
public interface AccountLifecycleListener {
    default void created(Account account) {
    }

    default void locked(Account account) {
    }

    default void unlocked(Account account) {
    }

    /** The account's data is gone; release whatever you hold for it. */
    default void removed(Account account) {
    }
}
