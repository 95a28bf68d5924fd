package org.postern.api.smtp;

import org.osgi.annotation.versioning.ConsumerType;
import org.postern.api.address.MailAddress;

/**
 * Whiteboard SPI: register as a service and the SMTP server asks you at each stage, in
 * {@code service.ranking} order, after Postern's own checks (relay, unknown user, catch-alls,
 * Block List). Override only the stages you care about; every default declines.
 */
@ConsumerType
public interface SmtpPolicy {
    /** Service property: a short name shown in logs and {@code postern:status}. */
    String NAME = "postern.smtp.policy.name";

    default PolicyResult onConnect(SmtpTransaction tx) {
        return PolicyResult.decline();
    }

    default PolicyResult onHelo(SmtpTransaction tx) {
        return PolicyResult.decline();
    }

    default PolicyResult onMail(SmtpTransaction tx) {
        return PolicyResult.decline();
    }

    /** Asked once per recipient; a transaction with several recipients is decided per recipient. */
    default PolicyResult onRcpt(SmtpTransaction tx, MailAddress recipient) {
        return PolicyResult.decline();
    }

    /** Asked at the end of DATA, before the message is acknowledged. */
    default PolicyResult onData(SmtpTransaction tx) {
        return PolicyResult.decline();
    }
}
