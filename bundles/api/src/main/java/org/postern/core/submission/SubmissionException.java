package org.postern.core.submission;

/** Why a submission was refused, with the SMTP reply a submission server gives for it. */
public class SubmissionException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The kinds of refusal, each with its RFC 5321 / RFC 3463 reply. */
    public enum Reason {
        /** The envelope sender is not the account's to send as. */
        SENDER_NOT_ALLOWED(553, "5.7.1", "Sender address rejected: not owned by user"),
        /** A From header address is not the account's to send as. */
        FROM_NOT_ALLOWED(550, "5.7.1", "From header rejected: not owned by user"),
        /** A local recipient that does not exist (or refuses, indistinguishably). */
        RECIPIENT_UNKNOWN(550, "5.1.1", "Recipient address rejected: User unknown"),
        /** Too many recipients in one message, or per day. */
        TOO_MANY_RECIPIENTS(452, "4.5.3", "Too many recipients"),
        /** The account sent its hourly number of messages already. */
        RATE_LIMITED(451, "4.7.1", "Sending limit reached, try again later"),
        /** The message is larger than allowed, or its header is. */
        TOO_BIG(552, "5.3.4", "Message size exceeds fixed maximum message size"),
        /** The message is not acceptable (no header, malformed). */
        MALFORMED(554, "5.6.0", "Message refused: malformed"),
        /** Not now: the store or queue is unavailable. */
        TEMPORARY(451, "4.3.0", "Temporary local problem, try again later");

        private final int code;
        private final String enhanced;
        private final String text;

        Reason(int code, String enhanced, String text) {
            this.code = code;
            this.enhanced = enhanced;
            this.text = text;
        }

        public int code() {
            return code;
        }

        public String enhancedCode() {
            return enhanced;
        }

        public String text() {
            return text;
        }
    }

    private final Reason reason;

    public SubmissionException(Reason reason) {
        super(reason.name());
        this.reason = reason;
    }

    public SubmissionException(Reason reason, Throwable cause) {
        super(reason.name(), cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** The reply line a submission server sends, e.g. {@code 553 5.7.1 Sender address rejected: not owned by user}. */
    public String reply() {
        return reason.code() + " " + reason.enhancedCode() + " " + reason.text();
    }
}
