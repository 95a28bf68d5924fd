/**
 * Mail addresses and domain names in the one normal form every bundle compares: lower case, ASCII (punycode) domains, no trailing dot.
 * Since 1.2: internationalised domains by UTS #46 nontransitional processing (IDNA2008), so {@code faß.de} is
 * {@code xn--fa-hia.de}, no longer {@code fass.de}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.postern.api.address;
