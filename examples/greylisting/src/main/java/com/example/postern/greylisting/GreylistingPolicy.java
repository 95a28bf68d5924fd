package com.example.postern.greylisting;

import java.time.Clock;
import java.time.Duration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.address.MailAddress;
import org.postern.api.smtp.PolicyResult;
import org.postern.api.smtp.SmtpPolicy;
import org.postern.api.smtp.SmtpPolicyService;
import org.postern.api.smtp.SmtpTransaction;

/**
 * Greylisting as a third party would write it, against Postern's API only: register an
 * {@link SmtpPolicy} and Postern's SMTP server asks it at RCPT TO, after its own checks.
 * Authenticated sessions (users submitting mail) are never greylisted.
 */
@Component(configurationPid = GreylistConfig.PID)
@SmtpPolicyService(postern_smtp_policy_name = "greylisting", service_ranking = 100)
@Designate(ocd = GreylistConfig.class)
public class GreylistingPolicy implements SmtpPolicy {
    static final PolicyResult TRY_LATER = PolicyResult.tempfail(451, "4.7.1",
            "Greylisted, please try again later");

    private final Greylist greylist;

    @Activate
    public GreylistingPolicy(GreylistConfig config) {
        this(new Greylist(Duration.ofSeconds(config.delay_seconds()), Duration.ofHours(config.expire_hours()),
                config.max_entries(), Clock.systemUTC()));
    }

    GreylistingPolicy(Greylist greylist) {
        this.greylist = greylist;
    }

    @Override
    public PolicyResult onRcpt(SmtpTransaction tx, MailAddress recipient) {
        if (tx.authenticatedAccount() != null) {
            return PolicyResult.decline();
        }
        String ip = tx.client().getAddress().getHostAddress();
        String sender = tx.sender() == null ? "" : tx.sender();
        return greylist.pass(ip, sender, recipient.toString()) ? PolicyResult.decline() : TRY_LATER;
    }
}
