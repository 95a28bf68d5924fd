/**
 * Sending mail on behalf of an account from inside Postern: the webmail's compose page and the
 * service's own notices (billing) use {@link org.postern.core.submission.Submission} instead of
 * SMTP AUTH, and get the same sender authorization, privacy rewriting and limits as a mail client
 * on the submission port. A core package, not plugin API: whoever holds this service can send as
 * any account, which no third-party plugin may (exported with postern.core=true, see the api
 * bundle's bnd.bnd).
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package org.postern.core.submission;
