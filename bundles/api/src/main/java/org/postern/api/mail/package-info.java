/**
 * Mail store: where accepted messages are delivered, and where POP3 lists, reads and deletes them.
 * Provisional: the IMAP issue fills it in.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package org.postern.api.mail;
