/**
 * Per-account recipient policy (DESIGN §4): the Block List and Manage Catch-alls, decided during
 * the SMTP dialogue. Provisional until the SMTP issue is resolved.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package org.postern.api.policy;
