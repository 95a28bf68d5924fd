/**
 * DNS for every bundle: one asynchronous, caching {@link org.postern.api.dns.DnsResolver} that the
 * MX, SPF/DKIM/DMARC, outbound MX lookup and DANE all ask (and that tests replace), and the
 * {@link org.postern.api.dns.SendingServerResolver} SPI the SMTP server asks for a connecting
 * server's forward-confirmed name.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.postern.api.dns;
