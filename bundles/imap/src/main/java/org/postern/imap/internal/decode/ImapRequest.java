package org.postern.imap.internal.decode;

import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One decoded client command: immutable, one record per command shape. Mailbox names are decoded
 * from modified UTF-7, and {@code INBOX} in any case is {@code "INBOX"}. Flags are as sent except
 * that system flags are spelled canonically ({@code \seen} becomes {@code \Seen}).
 */
public sealed interface ImapRequest {
    String tag();

    Command command();

    /** Commands without arguments: CAPABILITY NOOP LOGOUT STARTTLS NAMESPACE CHECK CLOSE UNSELECT IDLE. */
    record Bare(String tag, Command command) implements ImapRequest {
    }

    record Login(String tag, String user, String password) implements ImapRequest {
        @Override
        public Command command() {
            return Command.LOGIN;
        }

        @Override
        public String toString() {
            return "Login[tag=" + tag + ", user=" + user + ", password=***]";
        }
    }

    /** AUTHENTICATE mechanism [initial-response] (RFC 4959); the response is null when absent, empty for "=". */
    record Authenticate(String tag, String mechanism, byte[] initialResponse) implements ImapRequest {
        public Authenticate {
            initialResponse = initialResponse == null ? null : initialResponse.clone();
        }

        @Override
        public byte[] initialResponse() {
            return initialResponse == null ? null : initialResponse.clone();
        }

        @Override
        public Command command() {
            return Command.AUTHENTICATE;
        }

        @Override
        public String toString() {
            return "Authenticate[tag=" + tag + ", mechanism=" + mechanism
                    + (initialResponse == null ? "" : ", initial response ***") + "]";
        }
    }

    /** ENABLE (RFC 5161): capability names upper-cased. */
    record Enable(String tag, List<String> capabilities) implements ImapRequest {
        public Enable {
            capabilities = List.copyOf(capabilities);
        }

        @Override
        public Command command() {
            return Command.ENABLE;
        }
    }

    /** ID (RFC 2971): the client's fields in its order; empty for NIL; a value may be null (NIL). */
    record Id(String tag, Map<String, String> fields) implements ImapRequest {
        public Id {
            fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }

        @Override
        public Command command() {
            return Command.ID;
        }
    }

    /** SELECT or EXAMINE, with the CONDSTORE parameter (RFC 7162 3.1.8). */
    record Select(String tag, Command command, String mailbox, boolean condstore) implements ImapRequest {
    }

    /** CREATE, with the special-use attributes of {@code (USE (...))} (RFC 6154), empty when none. */
    record Create(String tag, String mailbox, List<String> specialUse) implements ImapRequest {
        public Create {
            specialUse = List.copyOf(specialUse);
        }

        @Override
        public Command command() {
            return Command.CREATE;
        }
    }

    /** DELETE, SUBSCRIBE, UNSUBSCRIBE, GETQUOTAROOT: one mailbox. */
    record OnMailbox(String tag, Command command, String mailbox) implements ImapRequest {
    }

    record Rename(String tag, String from, String to) implements ImapRequest {
        @Override
        public Command command() {
            return Command.RENAME;
        }
    }

    /** LIST selection options (RFC 5258, RFC 6154). */
    enum ListSelect { SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL_USE }

    /** LIST return options (RFC 5258, RFC 6154, RFC 5819 STATUS). */
    enum ListReturn { SUBSCRIBED, CHILDREN, SPECIAL_USE, STATUS }

    /**
     * LIST, basic or extended (RFC 5258). {@code statusItems} is non-empty exactly when
     * {@code returns} has STATUS (LIST-STATUS, RFC 5819). {@code extended} is true when the client
     * used any extended syntax (options or a pattern list).
     */
    record ListMailboxes(String tag, Set<ListSelect> selection, String reference, List<String> patterns,
                         Set<ListReturn> returns, List<StatusItem> statusItems, boolean extended)
            implements ImapRequest {
        public ListMailboxes {
            selection = Set.copyOf(selection);
            patterns = List.copyOf(patterns);
            returns = Set.copyOf(returns);
            statusItems = List.copyOf(statusItems);
        }

        @Override
        public Command command() {
            return Command.LIST;
        }
    }

    record Lsub(String tag, String reference, String pattern) implements ImapRequest {
        @Override
        public Command command() {
            return Command.LSUB;
        }
    }

    record Status(String tag, String mailbox, List<StatusItem> items) implements ImapRequest {
        public Status {
            items = List.copyOf(items);
        }

        @Override
        public Command command() {
            return Command.STATUS;
        }
    }

    /**
     * APPEND: {@code internalDate} null when not given. The message belongs to the
     * {@link FramedRequest} it came from: closing that deletes a spooled message.
     */
    record Append(String tag, String mailbox, List<String> flags, OffsetDateTime internalDate, Literal message)
            implements ImapRequest {
        public Append {
            flags = List.copyOf(flags);
        }

        @Override
        public Command command() {
            return Command.APPEND;
        }
    }

    /** EXPUNGE ({@code uid} false, {@code uids} null) or UID EXPUNGE (RFC 4315). */
    record Expunge(String tag, boolean uid, SequenceSet uids) implements ImapRequest {
        @Override
        public Command command() {
            return Command.EXPUNGE;
        }
    }

    /** [UID] SEARCH: charset upper-cased, null when not given; the keys as one {@link SearchKey.And}. */
    record Search(String tag, boolean uid, String charset, SearchKey.And key) implements ImapRequest {
        @Override
        public Command command() {
            return Command.SEARCH;
        }
    }

    /**
     * [UID] FETCH: the items in the client's order (macros expanded; UID FETCH always has UID).
     * {@code changedSince} is the CHANGEDSINCE modifier (RFC 7162), null when absent.
     */
    record Fetch(String tag, boolean uid, SequenceSet set, List<FetchItem> items, Long changedSince)
            implements ImapRequest {
        public Fetch {
            items = List.copyOf(items);
        }

        @Override
        public Command command() {
            return Command.FETCH;
        }
    }

    /** How STORE changes flags: FLAGS, +FLAGS, -FLAGS. */
    enum StoreMode { REPLACE, ADD, REMOVE }

    /** [UID] STORE; {@code unchangedSince} is the UNCHANGEDSINCE modifier (RFC 7162), null when absent. */
    record Store(String tag, boolean uid, SequenceSet set, Long unchangedSince, StoreMode mode, boolean silent,
                 List<String> flags) implements ImapRequest {
        public Store {
            flags = List.copyOf(flags);
        }

        @Override
        public Command command() {
            return Command.STORE;
        }
    }

    /** [UID] COPY and [UID] MOVE (RFC 6851). */
    record Transfer(String tag, Command command, boolean uid, SequenceSet set, String mailbox) implements ImapRequest {
    }

    /** GETQUOTA quota-root (RFC 9208). */
    record GetQuota(String tag, String root) implements ImapRequest {
        @Override
        public Command command() {
            return Command.GETQUOTA;
        }
    }

    /** SETQUOTA quota-root (resource limit ...): resource names upper-cased, in the client's order. */
    record SetQuota(String tag, String root, Map<String, Long> limits) implements ImapRequest {
        public SetQuota {
            limits = Collections.unmodifiableMap(new LinkedHashMap<>(limits));
        }

        @Override
        public Command command() {
            return Command.SETQUOTA;
        }
    }
}
