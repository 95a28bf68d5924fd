/**
 * The structure of a message as IMAP (and the webmail) need it, from its raw RFC 5322 octets in
 * one streaming pass: {@link org.postern.mime.MessageStructure} (ENVELOPE, BODYSTRUCTURE, BODY and
 * the octet ranges of every section), and its compact stored form
 * ({@link org.postern.mime.MessageStructure#toBytes()}), which the mail store keeps per message so
 * that a FETCH does not read the message again; and {@link org.postern.mime.EncodedWords}, header
 * text with its RFC 2047 encoded words decoded; {@link org.postern.mime.BodyText}, a body searched
 * as its reader sees it (transfer encodings and charsets undone). The parser's helpers are
 * package-private.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.postern.mime;
