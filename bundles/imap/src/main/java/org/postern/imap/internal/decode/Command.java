package org.postern.imap.internal.decode;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The commands the decoder knows, by their names on the wire. */
public enum Command {
    CAPABILITY, NOOP, LOGOUT, STARTTLS, LOGIN, AUTHENTICATE, ENABLE, ID,
    SELECT, EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST, LSUB, NAMESPACE, STATUS,
    APPEND, CHECK, CLOSE, UNSELECT, EXPUNGE, SEARCH, FETCH, STORE, COPY, MOVE, IDLE,
    GETQUOTA, GETQUOTAROOT, SETQUOTA;

    private static final Map<String, Command> BY_NAME =
            Stream.of(values()).collect(Collectors.toUnmodifiableMap(Enum::name, Function.identity()));

    /** The command named {@code name} (any case), or null. */
    public static Command named(String name) {
        return name.length() > 16 ? null : BY_NAME.get(name.toUpperCase(Locale.ROOT));
    }

    /** Whether {@code UID <command>} exists (RFC 3501 6.4.8, RFC 4315, RFC 6851). */
    public boolean hasUidForm() {
        return switch (this) {
            case FETCH, STORE, COPY, MOVE, SEARCH, EXPUNGE -> true;
            default -> false;
        };
    }
}
