/**
 * Shared Apache MINA plumbing for Postern's protocol bundles (SMTP, IMAP, POP3): a listener
 * helper, per-client (/64) and total connection limits, a bounded per-session backlog, a bounded
 * line decoder, the TLS policy and the node's one TLS identity ({@link org.postern.protocol.ServerTls}). Exported because
 * several protocol bundles share it; it is not part of the plugin API (see the module README).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.5.0")
package org.postern.protocol;
