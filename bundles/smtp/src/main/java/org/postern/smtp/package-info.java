/**
 * The SMTP bundle's own small SPI: how the sending server's identity is found. Exported so that
 * integration tests and operators can register their own resolver (higher service.ranking wins).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package org.postern.smtp;
