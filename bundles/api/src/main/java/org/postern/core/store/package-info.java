/**
 * The store's repositories, for Postern's own bundles only: they read password hashes, change
 * any account and delete any mail. Exported with the mandatory attribute {@code postern.core=true}
 * (see the api bundle's bnd.bnd), so a bundle wires to it only by asking for it by that
 * attribute; a plugin built against {@code org.postern.api} never does. Not a security boundary
 * against a hostile bundle (there is no SecurityManager), a boundary against accidents and
 * against plugins that would quietly depend on internals.
 */
@org.osgi.annotation.versioning.Version("1.13.0")
package org.postern.core.store;
