/**
 * SMTP policy SPI: third parties decide at CONNECT/HELO/MAIL/RCPT/DATA. Provisional until the SMTP bundle exists.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package org.postern.api.smtp;
