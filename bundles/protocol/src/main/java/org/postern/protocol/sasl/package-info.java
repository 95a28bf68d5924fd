/**
 * SASL mechanisms shared by Postern's listeners (POP3, SMTP submission): decoding only; the
 * credentials go to the one {@code Authenticator}. 0.x: shared plumbing whose minor version may
 * change it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package org.postern.protocol.sasl;
