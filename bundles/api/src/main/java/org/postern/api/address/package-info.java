/**
 * Mail addresses and domain names in the one normal form every bundle compares: lower case, ASCII (punycode) domains, no trailing dot.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.postern.api.address;
