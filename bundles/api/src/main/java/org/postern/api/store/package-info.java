/**
 * What the store offers every bundle, plugins included: the blob store for message bodies, the
 * data directory and the store's status. The repositories, which hold password hashes and every
 * account's mail, are in {@code org.postern.core.store}, which only Postern's own bundles wire to.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.1.0")
package org.postern.api.store;
