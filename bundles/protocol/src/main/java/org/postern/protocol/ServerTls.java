package org.postern.protocol;

import javax.net.ssl.SSLContext;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The server's one TLS identity (PID {@code org.postern.tls}), shared by every listener — SMTP
 * now; submission, IMAP, POP3 and HTTPS as they arrive. The context follows certificate
 * renewals without any listener rebinding; sessions already in TLS keep theirs.
 */
@ProviderType
public interface ServerTls {
    /** The context new sessions use now. */
    SSLContext context();

    /** The server's host name: in the self-signed certificate and in the protocols' greetings. */
    String hostname();
}
