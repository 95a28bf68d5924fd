/** Configuration shared by Postern's own components (ConfigCheck, PortOffset); not for plugins (see org.postern.core.store). */
@org.osgi.annotation.versioning.Version("1.2.0")
package org.postern.core.config;
