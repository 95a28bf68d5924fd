package org.postern.api.smtp;

import java.net.InetSocketAddress;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;
import org.postern.api.address.MailAddress;

/** What a policy may know about the SMTP session so far. Read-only. */
@ProviderType
public interface SmtpTransaction {
    InetSocketAddress client();

    /** The EHLO/HELO argument; null before EHLO. */
    String heloName();

    /** The client's forward-confirmed reverse DNS name; null when unconfirmed. */
    String confirmedName();

    /** The authenticated account id; null on the MX port. */
    String authenticatedAccount();

    /** The MAIL FROM path; null before MAIL, empty for the null sender. */
    String sender();

    /** Recipients accepted so far in this transaction. */
    List<MailAddress> recipients();
}
