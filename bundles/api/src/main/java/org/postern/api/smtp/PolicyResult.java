package org.postern.api.smtp;

import java.util.Objects;

/** What an {@link SmtpPolicy} says at one stage. The first non-{@link Kind#DECLINE} answer wins. */
public final class PolicyResult {
    /** The four answers, as in Apache James' hooks. */
    public enum Kind {
        /** No opinion: ask the next policy. */
        DECLINE,
        /** Accept now; later policies are not asked at this stage. */
        ACCEPT,
        /** Permanent refusal (5xx). */
        REJECT,
        /** Temporary refusal (4xx): the client should retry. */
        TEMPFAIL
    }

    private static final PolicyResult DECLINE = new PolicyResult(Kind.DECLINE, 0, null, null);
    private static final PolicyResult ACCEPT = new PolicyResult(Kind.ACCEPT, 0, null, null);

    private final Kind kind;
    private final int code;
    private final String enhancedCode;
    private final String text;

    private PolicyResult(Kind kind, int code, String enhancedCode, String text) {
        this.kind = kind;
        this.code = code;
        this.enhancedCode = enhancedCode;
        this.text = text;
    }

    public static PolicyResult decline() {
        return DECLINE;
    }

    public static PolicyResult accept() {
        return ACCEPT;
    }

    /** @param code 500..599; @param enhancedCode like {@code 5.7.1} */
    public static PolicyResult reject(int code, String enhancedCode, String text) {
        if (code < 500 || code > 599 || !enhancedCode.startsWith("5.")) {
            throw new IllegalArgumentException("a rejection needs a 5xx code and a 5.x.x enhanced code");
        }
        return new PolicyResult(Kind.REJECT, code, enhancedCode, Objects.requireNonNull(text));
    }

    /** @param code 400..499; @param enhancedCode like {@code 4.7.1} */
    public static PolicyResult tempfail(int code, String enhancedCode, String text) {
        if (code < 400 || code > 499 || !enhancedCode.startsWith("4.")) {
            throw new IllegalArgumentException("a temporary failure needs a 4xx code and a 4.x.x enhanced code");
        }
        return new PolicyResult(Kind.TEMPFAIL, code, enhancedCode, Objects.requireNonNull(text));
    }

    public Kind kind() {
        return kind;
    }

    public int code() {
        return code;
    }

    public String enhancedCode() {
        return enhancedCode;
    }

    public String text() {
        return text;
    }
}
