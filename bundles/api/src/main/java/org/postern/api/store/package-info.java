/**
 * Persistence services offered by the store bundle: blob store, store status and the repositories behind the accounts bundle.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.postern.api.store;
