package org.postern.policy.internal;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.postern.api.policy.CatchAllMode;

/**
 * One account's Manage Catch-alls, compiled to hash sets so a decision costs the same with ten
 * entries or a hundred thousand. DESIGN §4:
 * <pre>
 * base(r)   = ACCEPT if "@d" is a domain exception
 *           = REJECT if r matches an entry, else ACCEPT   (BLOCK mode)
 *           = ACCEPT if r matches an entry, else REJECT   (WHITELIST mode)
 * decide(r) = not base(r) if "!r" is an alias exception, else base(r)
 * </pre>
 * An entry {@code sales} matches that local part on every domain; {@code sales@example.com} that
 * address only. Domain matching is exact: {@code @alias.example.com} is its own domain.
 */
final class CatchAllRules {
    private final CatchAllMode mode;
    private final Set<String> localParts = new HashSet<>();
    private final Set<String> addresses = new HashSet<>();
    private final Set<String> domainExceptions = new HashSet<>();
    private final Set<String> aliasExceptions = new HashSet<>();

    private CatchAllRules(CatchAllMode mode, Collection<String> entries) {
        this.mode = mode;
        for (String e : entries) {
            if (e.startsWith("!")) {
                aliasExceptions.add(e.substring(1));
            } else if (e.startsWith("@")) {
                domainExceptions.add(e.substring(1));
            } else if (e.indexOf('@') > 0) {
                addresses.add(e);
            } else {
                localParts.add(e);
            }
        }
    }

    /** @param entries in {@link PolicyEntries#catchAllEntry} normal form */
    static CatchAllRules compile(CatchAllMode mode, Collection<String> entries) {
        return new CatchAllRules(mode, entries);
    }

    /** @param r a recipient at one of the account's owned domains, from {@link Addresses#parse} */
    boolean accepts(Addresses.Address r) {
        String address = r.toString();
        boolean base;
        if (domainExceptions.contains(r.domain())) {
            base = true;
        } else {
            boolean listed = localParts.contains(r.local()) || addresses.contains(address);
            base = mode == CatchAllMode.BLOCK ? !listed : listed;
        }
        return aliasExceptions.contains(address) ? !base : base;
    }

    /** {@link #accepts} in words: the rule that decided, for the webmail's preview. */
    String explain(Addresses.Address r) {
        String address = r.toString();
        String base;
        boolean accepted;
        if (domainExceptions.contains(r.domain())) {
            accepted = true;
            base = "@" + r.domain() + " is a domain exception, so every address there is delivered";
        } else {
            boolean byLocal = localParts.contains(r.local());
            boolean listed = byLocal || addresses.contains(address);
            String entry = byLocal ? r.local() : address;
            if (mode == CatchAllMode.BLOCK) {
                accepted = !listed;
                base = listed ? "the entry " + entry + " blocks it" : "block mode delivers every address that is not listed";
            } else {
                accepted = listed;
                base = listed ? "the entry " + entry + " lets it through" : "whitelist mode delivers only listed addresses, and it is not listed";
            }
        }
        if (aliasExceptions.contains(address)) {
            return "the alias exception !" + address + " turns the rule around (" + base + "), so it is "
                    + (accepted ? "refused" : "delivered");
        }
        return base;
    }
}
