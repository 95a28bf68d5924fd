package org.postern.shell.internal.command;

import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.Account;
import org.postern.api.account.AccountService;
import org.postern.api.mail.Mailboxes;
import org.postern.core.store.MailboxRepository;

/**
 * Sets an account's own storage quota, or sends it back to the mail store's default
 * ({@code quota.default.mb} in etc/org.postern.mailstore.cfg). Sizes are binary: 500M is 500 MiB.
 */
@Command(scope = "postern", name = "account-quota",
        description = "Set an account's storage quota: a size such as 500M or 2G, 0 for unlimited, or default")
@Service
public class AccountQuotaCommand extends PosternCommand {
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,19})([KMGT]?)(I?B)?");

    @Reference(optional = true)
    AccountService accounts;

    @Reference(optional = true)
    MailboxRepository repository;

    @Reference(optional = true)
    Mailboxes mailboxes;

    @Argument(index = 0, name = "account", required = true, description = "the account's primary address")
    String account;

    @Argument(index = 1, name = "size", required = true,
            description = "bytes, or with K, M, G or T (binary: 1M = 1048576 bytes); 0 = unlimited; default = the "
                    + "mail store's quota.default.mb")
    String size;

    @Override
    void run() {
        Long bytes = parse(size);
        Account a = require(accounts, "the accounts service").find(account)
                .orElseThrow(() -> new CommandFailure("no account " + account));
        if (!require(repository, "the store").setQuotaBytes(a.id(), bytes)) {
            throw new CommandFailure("no account " + account);
        }
        out().println("account " + a.address() + " quota: " + (bytes == null ? "the default" : limit(bytes)));
        if (mailboxes != null) {
            out().println("quota:   " + usage(mailboxes.quota(a.id()), repository.quotaBytes(a.id())));
        }
    }

    /**
     * {@code default}: null; otherwise octets, with an optional binary unit (K, M, G, T, also
     * written KB, KiB, ...; any case).
     *
     * @throws CommandFailure for anything else, or a size beyond what a long holds
     */
    static Long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.equals("DEFAULT")) {
            return null;
        }
        Matcher m = SIZE.matcher(t);
        if (!m.matches() || (m.group(3) != null && m.group(2).isEmpty() && m.group(3).equals("IB"))) {
            throw new CommandFailure("not a size: " + text + " (examples: 500M, 2G, 0 for unlimited, default)");
        }
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new CommandFailure("size too large: " + text);
        }
    }

    /** Octets for people: 2 GiB, 500 MiB, 1.5 KiB, 12 bytes. */
    static String format(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (u == 0) {
            return bytes + " bytes";
        }
        String n = v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
        return n + " " + units[u];
    }

    static String limit(long bytes) {
        return bytes == 0 ? "unlimited" : format(bytes);
    }

    /** What account-show prints: {@code 1.2 MiB used of 2 GiB (default)}. */
    static String usage(Mailboxes.QuotaUsage q, OptionalLong own) {
        String limit = q.limit() == 0 ? "no limit" : "of " + format(q.limit());
        return format(q.used()) + " used " + limit + (own.isPresent() ? " (this account's)" : " (default)")
                + (q.over() ? ", FULL: mail is refused" : "");
    }
}
