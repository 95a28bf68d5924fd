/**
 * Mail store: where accepted messages are delivered. Provisional: the SMTP and IMAP issues fill it in.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package org.postern.api.mail;
