/**
 * Service domains, accounts, owned domains and address resolution.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.2.0")
package org.postern.api.account;
