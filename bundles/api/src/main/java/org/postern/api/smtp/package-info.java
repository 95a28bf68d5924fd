/**
 * SMTP policy SPI: third parties decide at CONNECT/HELO/MAIL/RCPT/DATA, after Postern's own checks
 * (see {@link org.postern.api.smtp.CoreService}). Provisional until the SMTP bundle exists.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package org.postern.api.smtp;
