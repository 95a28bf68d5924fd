package org.postern.api.policy;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Postern's own RCPT TO checks, in DESIGN §4 order: relay, unknown user, the owning account's
 * catch-all rules, its Block List. The SMTP server asks this first, then third-party
 * {@code SmtpPolicy} services.
 */
@ProviderType
public interface RecipientPolicy {
    /**
     * @param recipient the RCPT TO address as the client sent it
     * @param envelopeSender the MAIL FROM address; empty for the null sender
     * @param serverNames the sending server's identities: its forward-confirmed reverse DNS name
     *        and its EHLO name (absent ones left out)
     * @param authenticated true on an authenticated submission session (relaying allowed)
     */
    RecipientVerdict decide(String recipient, String envelopeSender, List<String> serverNames, boolean authenticated);
}
