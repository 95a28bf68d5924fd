/**
 * Who sent a message, as far as DNS can tell: {@link org.postern.mailauth.Spf} (RFC 7208) for the
 * connecting address against the MAIL FROM or HELO domain, {@link org.postern.mailauth.DkimVerifier}
 * (RFC 6376, rsa-sha256 and ed25519-sha256 of RFC 8463) for every signature of a message,
 * {@link org.postern.mailauth.Dmarc} (RFC 7489) for the From domain with the organizational domain
 * of the Public Suffix List, and {@link org.postern.mailauth.AuthenticationResults}, the RFC 8601
 * header that records them. {@link org.postern.mailauth.SenderAuthentication} runs all three
 * under one deadline. Every DNS question goes to the {@link org.postern.api.dns.DnsResolver}
 * given, so tests answer with their own; nothing here blocks on the network, and a timeout or a
 * DNS failure is a {@code temperror}, never an exception.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.postern.mailauth;
