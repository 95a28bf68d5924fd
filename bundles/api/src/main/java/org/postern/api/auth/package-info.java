/**
 * The one authenticator every protocol asks (DESIGN section 5), and the logins it hands out.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.postern.api.auth;
