/**
 * App password management, for Postern's own bundles only (the shell, the webmail): whoever holds
 * it can give any account a password. Exported with the mandatory attribute {@code postern.core}
 * (see org.postern.core.store).
 */
@org.osgi.annotation.versioning.Version("1.1.0")
package org.postern.core.auth;
