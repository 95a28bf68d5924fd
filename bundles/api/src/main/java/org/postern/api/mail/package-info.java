/**
 * Mail store: where accepted messages are delivered, and where POP3 lists, reads and deletes them.
 * Mailboxes is the IMAP-grade access (folders, flags, MODSEQ, copy, move, append, quota), and
 * since 0.5 the parsed structure of each message, computed once when it is filed; in 0.5
 * {@code FolderChanges} carries the folder's counters instead of a counted {@code FolderInfo}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.8.0")
package org.postern.api.mail;
