/**
 * Calendars, events, tasks and contacts of an account, in process: the same collections and
 * objects DAV clients see, for Postern's own bundles (the webmail) without an HTTP round trip.
 * Core only (mandatory attribute {@code postern.core=true}): it reaches any account's data by id.
 */
@org.osgi.annotation.versioning.Version("1.2.0")
package org.postern.core.groupware;
