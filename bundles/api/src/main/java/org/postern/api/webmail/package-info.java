/**
 * The webmail's extension points. A theme is a bundle that registers a {@link Theme} service: the
 * webmail offers it in Settings as soon as it is registered, and a user whose theme goes away gets
 * the default one.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.postern.api.webmail;
