/**
 * The order in which Postern consults whiteboard services, for plugins that want to know where
 * their {@code service.ranking} puts them.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.postern.api.whiteboard;
