package org.postern.imap.internal.decode;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * Turns a {@link FramedRequest} into an {@link ImapRequest}: tag, command name (any case, with
 * the {@code UID} prefix where it exists), then the command's own {@link CommandParser}. Stateless
 * and thread-safe. It never closes the request: the caller owns it.
 */
public final class ImapRequestParser {
    /** Deepest nesting of SEARCH keys (NOT, OR, parentheses), counted together. */
    public static final int MAX_NESTING = 64;
    /** Search keys in one SEARCH, at any depth. */
    public static final int MAX_SEARCH_KEYS = 1000;
    /** Ranges in one sequence set. */
    public static final int MAX_RANGES = 10_000;
    /** Part numbers in one section ({@code 1.2.3} is 3). */
    public static final int MAX_SECTION_DEPTH = 32;
    /** Names in HEADER.FIELDS (...). */
    public static final int MAX_HEADER_FIELDS = 1000;
    /** Data items in one FETCH. */
    public static final int MAX_FETCH_ITEMS = 1000;
    /** Flags in one flag list. */
    public static final int MAX_FLAGS = 256;
    /** Longest tag. */
    public static final int MAX_TAG = 64;

    private final Map<Command, CommandParser> parsers = new EnumMap<>(Command.class);

    public ImapRequestParser() {
        CommandParser bare = (in, tag, command, uid) -> new ImapRequest.Bare(tag, command);
        for (Command c : new Command[] {Command.CAPABILITY, Command.NOOP, Command.LOGOUT, Command.STARTTLS,
                Command.NAMESPACE, Command.CHECK, Command.CLOSE, Command.UNSELECT, Command.IDLE}) {
            parsers.put(c, bare);
        }
        parsers.put(Command.LOGIN, SimpleParsers::login);
        parsers.put(Command.AUTHENTICATE, SimpleParsers::authenticate);
        parsers.put(Command.ENABLE, SimpleParsers::enable);
        parsers.put(Command.ID, IdParser::parse);
        parsers.put(Command.SELECT, SimpleParsers::select);
        parsers.put(Command.EXAMINE, SimpleParsers::select);
        parsers.put(Command.CREATE, SimpleParsers::create);
        parsers.put(Command.DELETE, SimpleParsers::onMailbox);
        parsers.put(Command.SUBSCRIBE, SimpleParsers::onMailbox);
        parsers.put(Command.UNSUBSCRIBE, SimpleParsers::onMailbox);
        parsers.put(Command.GETQUOTAROOT, SimpleParsers::onMailbox);
        parsers.put(Command.RENAME, SimpleParsers::rename);
        parsers.put(Command.LIST, ListParser::list);
        parsers.put(Command.LSUB, ListParser::lsub);
        parsers.put(Command.STATUS, StatusParser::parse);
        parsers.put(Command.APPEND, AppendParser::parse);
        parsers.put(Command.EXPUNGE, SimpleParsers::expunge);
        parsers.put(Command.SEARCH, SearchParser::parse);
        parsers.put(Command.FETCH, FetchParser::parse);
        parsers.put(Command.STORE, StoreParser::parse);
        parsers.put(Command.COPY, SimpleParsers::transfer);
        parsers.put(Command.MOVE, SimpleParsers::transfer);
        parsers.put(Command.GETQUOTA, SimpleParsers::getQuota);
        parsers.put(Command.SETQUOTA, SimpleParsers::setQuota);
    }

    /** Parses {@code request}; every syntax error is an {@link ImapDecodeException} with the tag when there is one. */
    public ImapRequest parse(FramedRequest request) throws ImapDecodeException {
        ImapReader in = new ImapReader(request);
        String tag = readTag(in);
        in.tag(tag);
        if (!in.trySp()) {
            throw in.error("Missing command");
        }
        String name = commandName(in);
        boolean uid = false;
        if (name.equals("UID")) {
            uid = true;
            in.sp();
            name = commandName(in);
        }
        Command command = Command.named(name);
        if (command == null) {
            throw in.error("Unknown command");
        }
        if (uid && !command.hasUidForm()) {
            throw in.error("UID " + command + " is not a command");
        }
        CommandParser parser = parsers.get(command);
        ImapRequest r = parser.parse(in, tag, command, uid);
        in.end();
        return r;
    }

    private static String commandName(ImapReader in) throws ImapDecodeException {
        int b = in.peek();
        if (!(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z')) {
            throw in.error("Missing command");
        }
        String name = in.word();
        if (name.length() > 16) {
            throw in.error("Unknown command");
        }
        return name;
    }

    private static String readTag(ImapReader in) throws ImapDecodeException {
        StringBuilder t = new StringBuilder();
        while (ImapChars.isTagChar(in.peek())) {
            if (t.length() == MAX_TAG) {
                throw new ImapDecodeException(null, "Tag too long");
            }
            t.append((char) in.peek());
            in.skip();
        }
        if (t.length() == 0 || in.peek() != ' ' && in.peek() != -1) {
            throw new ImapDecodeException(null, "Missing or invalid tag");
        }
        return t.toString();
    }

    /** The tag of a request that may not parse (for logs); null when it has none. */
    public static String tagOf(FramedRequest request) {
        byte[] line = request.rawLine(0);
        int i = 0;
        while (i < line.length && i < MAX_TAG && ImapChars.isTagChar(line[i] & 0xff)) {
            i++;
        }
        return i > 0 && (i == line.length || line[i] == ' ') ? new String(line, 0, i, StandardCharsets.US_ASCII) : null;
    }
}
