package org.postern.api.delivery;

import java.util.Objects;
import org.postern.api.mail.IncomingMessage;

/** A filter's verdict: pass on (maybe replaced, maybe to another folder). */
public final class FilterOutcome {
    private static final FilterOutcome KEEP = new FilterOutcome(null, null);

    private final IncomingMessage replacement;
    private final String folder;

    private FilterOutcome(IncomingMessage replacement, String folder) {
        this.replacement = replacement;
        this.folder = folder;
    }

    /** Pass the message on unchanged. */
    public static FilterOutcome keep() {
        return KEEP;
    }

    /** Pass on a transformed message (for example its encrypted form, a new blob). */
    public static FilterOutcome replace(IncomingMessage replacement) {
        return new FilterOutcome(Objects.requireNonNull(replacement), null);
    }

    /** File the message into another folder of the same account. */
    public static FilterOutcome fileInto(String folder) {
        return new FilterOutcome(null, Objects.requireNonNull(folder));
    }

    /** The replacement message, or null to keep the current one. */
    public IncomingMessage replacement() {
        return replacement;
    }

    /** The target folder, or null for the default. */
    public String folder() {
        return folder;
    }
}
