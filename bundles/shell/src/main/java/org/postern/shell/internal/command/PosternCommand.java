package org.postern.shell.internal.command;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.karaf.shell.api.action.Command;
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
        // Karaf names the thread running a command after its whole command line ("pipe-..."),
        // and log lines carry thread names: keep only scope and name, never the arguments.
        Command c = getClass().getAnnotation(Command.class);
        Thread.currentThread().setName("pipe-" + (c == null ? "postern" : c.scope() + ":" + c.name()));
        try {
            run();
        } catch (AccountException e) {
            throw new CommandFailure(e.getMessage());
        } catch (java.util.concurrent.RejectedExecutionException busy) {
            throw new CommandFailure("the server is busy hashing passwords; try again in a moment");
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

    /** Why {@code --password} is refused: the message names the ways that keep the secret private. */
    /** Longest password file read; a password is a line, not a file's worth. */
    static final int MAX_PASSWORD_FILE = 4096;

    static final String NO_PASSWORD_ON_COMMAND_LINE = "--password is not accepted: a password on the command line "
            + "ends up in thread names, process lists and shell history. Use --password-file <file> "
            + "(readable by its owner only), type it at the prompt, or pipe it to an SSH exec session";

    /**
     * The password from {@code --password-file}, else one line of the session's input: typed
     * without echo at an interactive console, or read from standard input of a non-interactive
     * SSH exec session ({@code ssh -p 8101 admin@127.0.0.1 'postern:account-add ...' < pwfile}).
     */
    char[] password(String passwordOption, String passwordFile, String prompt) throws Exception {
        if (passwordOption != null) {
            throw new CommandFailure(NO_PASSWORD_ON_COMMAND_LINE);
        }
        if (passwordFile != null) {
            return readPasswordFile(Path.of(passwordFile));
        }
        String line;
        try {
            line = session.readLine(prompt, '*');
        } catch (UnsupportedOperationException noTerminal) {
            line = readLine(session.getKeyboard());
        }
        if (line == null || line.isEmpty()) {
            throw new CommandFailure("no password given: use --password-file <file>, or type or pipe it on the input");
        }
        return line.toCharArray();
    }

    /**
     * The first line of a password file, without its line end. Like ssh with a private key, a
     * file that other local users can read is refused: the password would no longer be secret.
     */
    static char[] readPasswordFile(Path file) throws IOException {
        byte[] bytes;
        try {
            // A regular file (no FIFO or device that could hang the console), not a link, small,
            // and readable by its owner only.
            PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
            java.nio.file.attribute.BasicFileAttributes basic = Files.readAttributes(file,
                    java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (!basic.isRegularFile()) {
                throw new CommandFailure("password file " + file + " is not a regular file");
            }
            if (basic.size() > MAX_PASSWORD_FILE) {
                throw new CommandFailure("password file " + file + " is larger than " + MAX_PASSWORD_FILE + " bytes");
            }
            if (view != null) {
                Set<PosixFilePermission> perms = view.readAttributes().permissions();
                if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                    throw new CommandFailure("password file " + file + " is readable by other users: chmod 600 it");
                }
            }
            try (java.nio.channels.SeekableByteChannel ch = Files.newByteChannel(file,
                    java.util.Set.of(java.nio.file.StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(MAX_PASSWORD_FILE);
                while (buf.hasRemaining() && ch.read(buf) > 0) {
                    // read at most MAX_PASSWORD_FILE bytes
                }
                bytes = java.util.Arrays.copyOf(buf.array(), buf.position());
                java.util.Arrays.fill(buf.array(), (byte) 0);
            }
        } catch (NoSuchFileException e) {
            throw new CommandFailure("no password file " + file);
        }
        try {
            int end = 0;
            while (end < bytes.length && bytes[end] != '\n' && bytes[end] != '\r') {
                end++;
            }
            if (end == 0) {
                throw new CommandFailure("password file " + file + " is empty");
            }
            java.nio.CharBuffer chars = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(bytes, 0, end));
            char[] secret = new char[chars.remaining()];
            chars.get(secret);
            Arrays.fill(chars.array(), '\0');
            return secret;
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * True when the operator typed {@code yes}: at an interactive console a prompt, in a script
     * (no terminal, or nothing more on the input) never.
     */
    boolean confirmed(String question) {
        String line;
        try {
            line = session.readLine(question + " [yes/no] ", null);
        } catch (UnsupportedOperationException noTerminal) {
            return false;
        } catch (Exception e) {
            return false;
        }
        return line != null && line.trim().equalsIgnoreCase("yes");
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
