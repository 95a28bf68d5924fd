package org.postern.api.smtp;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Registers a Declarative Services component as an {@link SmtpPolicy} with its name and its place
 * in the chain, in one annotation:
 *
 * <pre>
 * &#64;Component
 * &#64;SmtpPolicyService(postern_smtp_policy_name = "greylisting", service_ranking = 100)
 * public class GreylistingPolicy implements SmtpPolicy { ... }
 * </pre>
 *
 * The element names spell the service properties they set, as the DS component property type
 * rules map them ({@code _} becomes {@code .}): the name key is {@link SmtpPolicy#NAME} and the
 * ranking is the framework's own {@code service.ranking}, which share no prefix. Policies are
 * asked highest ranking first, equal rankings in registration order, and always after Postern's
 * own checks (relay, unknown user, catch-alls, Block List), whatever the ranking.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface SmtpPolicyService {
    /** {@link SmtpPolicy#NAME}: a short name shown in logs. */
    String postern_smtp_policy_name();

    /** {@code service.ranking}: higher is asked earlier; 0 when not given. */
    int service_ranking() default 0;
}
