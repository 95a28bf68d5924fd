package org.postern.imap.internal.decode;

/**
 * Parses the arguments of one command, the reader standing right after the command name (before
 * the space that precedes the first argument). The caller checks that nothing follows.
 */
@FunctionalInterface
public interface CommandParser {
    ImapRequest parse(ImapReader in, String tag, Command command, boolean uid) throws ImapDecodeException;
}
