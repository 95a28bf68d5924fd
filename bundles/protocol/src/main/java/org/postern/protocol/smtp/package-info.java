/**
 * The SMTP wire format shared by Postern's SMTP listeners (the MX and submission), so that there
 * is one parser: command path arguments and addresses ({@link org.postern.protocol.smtp.SmtpSyntax}),
 * the DATA phase with its dot-unstuffing and limits ({@link org.postern.protocol.smtp.DataFraming}),
 * and the body's temporary spool ({@link org.postern.protocol.smtp.Spool}). 0.x: shared plumbing
 * whose minor version may change it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package org.postern.protocol.smtp;
