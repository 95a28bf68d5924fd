/**
 * Billing and the account lifecycle (DESIGN section 8), for Postern's own bundles: plans, the
 * append-only ledger, and the service that applies payments and locks and unlocks accounts.
 * Exported with {@code postern.core=true} like every core package: the ledger is the operator's,
 * never a plugin's.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package org.postern.core.billing;
