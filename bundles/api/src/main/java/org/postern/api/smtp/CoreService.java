package org.postern.api.smtp;

/**
 * Marks Postern's own implementations of the services the SMTP server trusts with the DESIGN §4
 * checks and with the mail itself: {@code RecipientPolicy}, {@code MailStore} and
 * {@code BlobStore}. The SMTP server binds only services registered with
 * {@code postern.core=true} ({@link #TARGET}), so a bundle that registers one of those interfaces,
 * at whatever {@code service.ranking}, does not silently take the place of relay, unknown-user,
 * catch-all and Block List checks, or of the store. Plugins add checks through {@link SmtpPolicy},
 * which is asked after Postern's own.
 * <p>
 * This guards against accidents, not against a hostile bundle: any bundle may register any
 * property. An operator may widen or narrow the choice through the SMTP component's
 * {@code recipientPolicy.target}, {@code mailStore.target} and {@code blobStore.target}
 * configuration properties, as Declarative Services allows for every reference.
 */
public final class CoreService {
    /** Service property; Postern's own components register it with the value {@code true}. */
    public static final String PROPERTY = "postern.core";

    /** The reference target filter that selects Postern's own implementation. */
    public static final String TARGET = "(" + PROPERTY + "=true)";

    private CoreService() {
    }
}
