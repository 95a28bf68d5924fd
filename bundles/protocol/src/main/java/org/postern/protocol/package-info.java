/**
 * Shared Apache MINA plumbing for Postern's protocol bundles (SMTP, IMAP, POP3): a listener
 * helper, a per-IP connection limit, a bounded line decoder and TLS contexts. Exported because
 * several protocol bundles share it; it is not part of the plugin API (see the module README).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package org.postern.protocol;
