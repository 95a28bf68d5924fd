package org.postern.shell.internal.command;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.Account;
import org.postern.api.auth.Protocol;
import org.postern.core.auth.AppPassword;
import org.postern.core.auth.AppPasswords;
import org.postern.core.auth.NewAppPassword;

@Command(scope = "postern", name = "app-password-create",
        description = "Make an app password for a device or program; it is printed once, alone on the last line, and never again")
@Service
public class AppPasswordCreateCommand extends AppPasswordCommand {
    private static final String[] KNOWN = {"--name", "--protocols", "--cidr", "--expires"};

    @Option(name = "--name", description = "what it is for, e.g. \"Thunderbird on the laptop\" (unique per account)")
    String name;

    @Option(name = "--protocols", description = "comma-separated: imap, pop3, smtp, dav")
    String protocols;

    @Option(name = "--cidr", description = "comma-separated networks it works from (IPv4/IPv6 CIDR); default anywhere")
    String cidr;

    @Option(name = "--expires", description = "last day it works (YYYY-MM-DD, UTC); default never")
    String expires;

    @Argument(index = 1, name = "options", multiValued = true, description = "the options may also follow the account")
    List<String> tail;

    @Override
    void run(Account a, AppPasswords passwords) {
        name = trailingOption(tail, "--name", name, KNOWN);
        protocols = trailingOption(tail, "--protocols", protocols, KNOWN);
        cidr = trailingOption(tail, "--cidr", cidr, KNOWN);
        expires = trailingOption(tail, "--expires", expires, KNOWN);
        if (name == null) {
            throw new CommandFailure("--name is required, e.g. --name \"Thunderbird on the laptop\"");
        }
        if (protocols == null) {
            throw new CommandFailure("--protocols is required: a comma-separated list of imap, pop3, smtp, dav");
        }
        NewAppPassword made = passwords.create(a.id(), name, protocols(protocols), list(cidr), date(expires));
        try {
            AppPassword d = made.description();
            out().println("app password '" + d.name() + "' for " + a.address());
            out().println("protocols: " + AppPasswordListCommand.protocols(d.protocols()));
            out().println("networks:  " + (d.networks().isEmpty() ? "any" : String.join(", ", d.networks())));
            out().println("expires:   " + (d.expires() == null ? "never" : d.expires() + " (end of day, UTC)"));
            out().println("It is shown this once; Postern keeps only a hash of it. Log in with " + a.address()
                    + " and:");
            out().println(made.secret());
        } finally {
            made.clear();
        }
    }

    static Set<Protocol> protocols(String text) {
        Set<Protocol> out = EnumSet.noneOf(Protocol.class);
        for (String p : list(text)) {
            switch (p.toLowerCase(Locale.ROOT)) {
                case "imap" -> out.add(Protocol.IMAP);
                case "pop3", "pop" -> out.add(Protocol.POP3);
                case "smtp" -> out.add(Protocol.SMTP);
                case "dav", "caldav", "carddav", "webdav" -> out.add(Protocol.DAV);
                default -> throw new CommandFailure("unknown protocol '" + p + "': use imap, pop3, smtp, dav");
            }
        }
        return out;
    }

    private static List<String> list(String text) {
        List<String> out = new ArrayList<>();
        if (text != null) {
            for (String part : text.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
        }
        return out;
    }

    private static LocalDate date(String text) {
        if (text == null) {
            return null;
        }
        try {
            return LocalDate.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw new CommandFailure("--expires takes a date as YYYY-MM-DD, not '" + text + "'");
        }
    }
}
