package org.postern.pop3.internal;

import java.util.List;

/**
 * One command line, decoded: its keyword, its arguments split at spaces, and everything after
 * the keyword's space as sent ({@link #rest()}, for PASS, whose one argument may hold spaces:
 * RFC 1939 section 7). The processor never sees raw bytes.
 */
record Command(String keyword, Verb verb, List<String> args, String rest) {

    static Command parse(String line) {
        int space = line.indexOf(' ');
        String keyword = space < 0 ? line : line.substring(0, space);
        String rest = space < 0 ? "" : line.substring(space + 1);
        String trimmed = rest.trim();
        List<String> args = trimmed.isEmpty() ? List.of() : List.of(trimmed.split(" +"));
        return new Command(keyword, Verb.of(keyword), args, rest);
    }

    /** A message number or count argument: digits only, at most 9 of them; -1 when it is not one. */
    static int number(String arg) {
        if (arg.isEmpty() || arg.length() > 9) {
            return -1;
        }
        for (int i = 0; i < arg.length(); i++) {
            if (arg.charAt(i) < '0' || arg.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(arg);
    }

    @Override
    public String toString() {
        return keyword; // never the arguments: PASS carries a secret
    }
}
