package org.postern.shell.internal.command;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.Account;
import org.postern.api.auth.Protocol;
import org.postern.core.auth.AppPassword;
import org.postern.core.auth.AppPasswords;

@Command(scope = "postern", name = "app-password-list",
        description = "List an account's app passwords with scopes, networks, expiry and last use (never a secret)")
@Service
public class AppPasswordListCommand extends AppPasswordCommand {
    @Override
    void run(Account a, AppPasswords passwords) {
        List<AppPassword> all = passwords.list(a.id());
        if (all.isEmpty()) {
            out().println(a.address() + " has no app passwords");
            return;
        }
        out().printf("%-32s %-18s %-24s %-10s %-20s %s%n", "NAME", "PROTOCOLS", "NETWORKS", "EXPIRES", "CREATED", "LAST USED");
        for (AppPassword p : all) {
            out().printf("%-32s %-18s %-24s %-10s %-20s %s%n", p.name(), protocols(p.protocols()),
                    p.networks().isEmpty() ? "any" : String.join(",", p.networks()),
                    p.expires() == null ? "never" : p.expires(), minutes(p.created()),
                    p.lastUsed() == null ? "never" : minutes(p.lastUsed()));
        }
    }

    private static String minutes(java.time.Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.MINUTES).toString();
    }

    static String protocols(Set<Protocol> protocols) {
        return protocols.stream().sorted().map(p -> p.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(","));
    }
}
