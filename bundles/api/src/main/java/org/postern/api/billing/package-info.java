/**
 * The payment provider SPI: what a plugin implements to take payments for the service. A
 * provider is named by a service property; it sees an account only by the opaque reference the
 * ledger uses, never its address, and it reaches no repository: billing applies what it reports.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.postern.api.billing;
