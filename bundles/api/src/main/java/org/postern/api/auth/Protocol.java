package org.postern.api.auth;

/** What a login is for; app passwords are scoped to these. */
public enum Protocol {
    WEBMAIL, IMAP, POP3, SMTP, DAV
}
