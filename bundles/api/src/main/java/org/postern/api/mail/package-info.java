/**
 * Mail store: where accepted messages are delivered, and where POP3 lists, reads and deletes them.
 * Mailboxes is the IMAP-grade access (folders, flags, MODSEQ, copy, move, append, quota).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.4.0")
package org.postern.api.mail;
