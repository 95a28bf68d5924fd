/** Password verification, for Postern's own authentication only; not for plugins (see org.postern.core.store). */
@org.osgi.annotation.versioning.Version("1.2.0")
package org.postern.core.account;
