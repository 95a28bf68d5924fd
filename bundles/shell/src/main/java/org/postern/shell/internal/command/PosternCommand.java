package org.postern.shell.internal.command;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.console.Session;
import org.postern.api.account.AccountException;

/**
 * Base of the postern:* commands. Services are optional references so that a command whose
 * service is down still runs and says why, instead of Karaf's "Command not found". Every refusal
 * is thrown: Karaf then prints one "Error executing command" line and {@code bin/client} exits
 * non-zero.
 */
abstract class PosternCommand implements Action {
    @Reference
    Session session;

    @Override
    public final Object execute() throws Exception {
        try {
            run();
        } catch (AccountException e) {
            throw new CommandFailure(e.getMessage());
        }
        return null;
    }

    abstract void run() throws Exception;

    PrintStream out() {
        return session.getConsole();
    }

    static <T> T require(T service, String what) {
        if (service == null) {
            throw new CommandFailure(what + " is not running (is the store up? see data/log/karaf.log)");
        }
        return service;
    }

    /**
     * The password from the option, else one line of the session's input: typed without echo at
     * an interactive console, or read from standard input of a non-interactive SSH exec session
     * ({@code echo pw | ssh -p 8101 admin@127.0.0.1 'postern:account-add ...'}).
     */
    char[] password(String option, String prompt) throws Exception {
        if (option != null) {
            return option.toCharArray();
        }
        String line;
        try {
            line = session.readLine(prompt, '*');
        } catch (UnsupportedOperationException noTerminal) {
            line = readLine(session.getKeyboard());
        }
        if (line == null || line.isEmpty()) {
            throw new CommandFailure("no password given: use --password, or type or pipe it on the input");
        }
        return line.toCharArray();
    }

    private static String readLine(InputStream in) throws IOException {
        if (in == null) {
            return null;
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            if (b != '\r') {
                buf.write(b);
            }
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /**
     * Karaf's parser takes options only before the first argument; the documented syntax puts
     * them after the address too ({@code account-add <address> --password <pw>}). Commands collect
     * the tail in a multi-valued argument and read it here.
     */
    static String trailingOption(List<String> tail, String name, String current, String... known) {
        if (tail == null) {
            return current;
        }
        String value = current;
        for (int i = 0; i < tail.size(); i++) {
            String token = tail.get(i);
            if (!List.of(known).contains(token)) {
                throw new CommandFailure("unexpected argument '" + token + "'");
            }
            if (i + 1 >= tail.size()) {
                throw new CommandFailure(token + " needs a value");
            }
            if (token.equals(name)) {
                value = tail.get(i + 1);
            }
            i++;
        }
        return value;
    }

    static void clear(char[] secret) {
        if (secret != null) {
            Arrays.fill(secret, '\0');
        }
    }

    /** A refusal whose message is the whole story: no stack trace belongs on the operator's screen. */
    static final class CommandFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CommandFailure(String message) {
            super(message, null, false, false);
        }
    }
}
