/** Configuration checking shared by Postern's own components; not for plugins (see org.postern.core.store). */
@org.osgi.annotation.versioning.Version("1.0.0")
package org.postern.core.config;
