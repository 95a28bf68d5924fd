/**
 * The one authenticator every protocol asks. Provisional until the auth bundle exists.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package org.postern.api.auth;
