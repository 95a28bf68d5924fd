package org.postern.policy.internal;

import static org.postern.api.account.AccountException.Reason.DUPLICATE;
import static org.postern.api.account.AccountException.Reason.INVALID_ADDRESS;
import static org.postern.api.account.AccountException.Reason.UNKNOWN_ACCOUNT;
import static org.postern.api.account.AccountException.Reason.UNKNOWN_ENTRY;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.postern.api.smtp.CoreService;
import org.postern.api.account.Account;
import org.postern.api.account.AccountException;
import org.postern.api.account.AccountService;
import org.postern.api.account.AccountStatus;
import org.postern.api.account.AddressResolver;
import org.postern.api.account.DomainService;
import org.postern.api.account.OwnedDomain;
import org.postern.api.account.Resolution;
import org.postern.api.address.MailAddress;
import org.postern.api.policy.CatchAllMode;
import org.postern.api.policy.PolicyRules;
import org.postern.api.policy.RecipientPolicy;
import org.postern.api.policy.RecipientVerdict;
import org.postern.core.store.DuplicateKeyException;
import org.postern.core.store.PolicyRepository;
import org.postern.policy.internal.PolicyCache.Compiled;
import org.postern.core.store.PolicyRepository.ListKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DESIGN §4 RCPT decision and the editing of the lists behind it. Compiled lists are cached
 * per account ({@link PolicyCache}, bounded) and dropped on every change made through this service
 * and when the account is removed; the database stays the truth. (Several nodes sharing one
 * database will need change notifications: DESIGN §10.)
 */
@Component(service = {RecipientPolicy.class, PolicyRules.class}, property = CoreService.PROPERTY + "=true")
public class PolicyEngine implements RecipientPolicy, PolicyRules {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyEngine.class);

    private final DomainService domains;
    private final AddressResolver resolver;
    private final AccountService accounts;
    private final PolicyRepository repository;
    private final PolicyCache cache;

    @Activate
    public PolicyEngine(@Reference DomainService domains, @Reference AddressResolver resolver,
            @Reference AccountService accounts, @Reference PolicyRepository repository,
            @Reference PolicyCache cache) {
        this.domains = domains;
        this.resolver = resolver;
        this.accounts = accounts;
        this.repository = repository;
        this.cache = cache;
    }

    // ---- the RCPT decision ----

    @Override
    public RecipientVerdict decide(String recipient, String envelopeSender, List<String> serverNames,
            boolean authenticated) {
        Addresses.Address r;
        try {
            r = Addresses.parse(recipient);
        } catch (IllegalArgumentException e) {
            // Nothing we could deliver. At a hosted domain that is an unknown user, like any other;
            // elsewhere, to a stranger it is relaying, to a user no such address.
            Addresses.Address loose = Addresses.sender(recipient);
            boolean hosted = loose != null && domains.isHosted(loose.domain());
            return hosted || authenticated ? RecipientVerdict.userUnknown() : RecipientVerdict.relayDenied();
        }
        if (!domains.isHosted(r.domain())) {
            return authenticated ? RecipientVerdict.outbound() : RecipientVerdict.relayDenied();
        }
        Optional<Resolution> resolution = resolver.resolve(r.toString());
        if (resolution.isEmpty()) {
            return RecipientVerdict.userUnknown();
        }
        Resolution res = resolution.get();
        Compiled rules = compiled(res.account().id());
        if (res.kind() == Resolution.Kind.OWNED_DOMAIN && !rules.catchAll.accepts(r)) {
            return RecipientVerdict.userUnknown();
        }
        if (rules.blockList.blocks(Addresses.sender(envelopeSender), serverNames)) {
            return RecipientVerdict.userUnknown();
        }
        return RecipientVerdict.accept(res);
    }

    Compiled compiled(String accountId) {
        return cache.get(accountId, this::load);
    }

    /** Three database reads and a compilation: never inside a map's computeIfAbsent. */
    private Compiled load(String accountId) {
        return new Compiled(BlockList.compile(repository.entries(accountId, ListKind.BLOCK)),
                CatchAllRules.compile(mode(accountId), repository.entries(accountId, ListKind.CATCH_ALL)));
    }

    private CatchAllMode mode(String accountId) {
        String stored = repository.catchAllMode(accountId);
        return stored == null ? CatchAllMode.BLOCK : CatchAllMode.valueOf(stored);
    }

    @Override
    public CatchAllPreview previewCatchAll(String account, String recipient) {
        Account a = account(account);
        Addresses.Address r;
        try {
            r = Addresses.parse(recipient);
        } catch (IllegalArgumentException e) {
            return new CatchAllPreview(false, "that is not a mail address");
        }
        Optional<Resolution> resolution = domains.isHosted(r.domain()) ? resolver.resolve(r.toString()) : Optional.empty();
        if (resolution.isEmpty() || !resolution.get().account().id().equals(a.id())) {
            return new CatchAllPreview(false, r + " is not one of your addresses (not at one of your domains)");
        }
        if (resolution.get().kind() != Resolution.Kind.OWNED_DOMAIN) {
            return new CatchAllPreview(true, "it is your own address; catch-all rules apply to your domains");
        }
        CatchAllRules rules = compiled(a.id()).catchAll;
        return new CatchAllPreview(rules.accepts(r), rules.explain(r));
    }

    // ---- editing ----

    @Override
    public List<String> blockList(String account) {
        return repository.entries(account(account).id(), ListKind.BLOCK);
    }

    @Override
    public String addBlockEntry(String account, String entry) {
        Account a = account(account);
        String normal = PolicyEntries.blockEntry(entry);
        return add(a, ListKind.BLOCK, normal, "Block List");
    }

    @Override
    public void removeBlockEntry(String account, String entry) {
        Account a = account(account);
        String normal;
        try {
            normal = PolicyEntries.blockEntry(entry);
        } catch (AccountException e) {
            // Stored before today's limits (more stars, longer): still removable as listed.
            normal = entry.trim().toLowerCase(java.util.Locale.ROOT);
        }
        remove(a, ListKind.BLOCK, normal, "Block List");
    }

    @Override
    public CatchAllMode catchAllMode(String account) {
        return mode(account(account).id());
    }

    @Override
    public void setCatchAllMode(String account, CatchAllMode mode) {
        Account a = account(account);
        repository.setCatchAllMode(a.id(), mode.name());
        cache.invalidate(a.id());
        LOG.info("Postern: catch-all mode of {} is now {}", a.address(), mode);
    }

    @Override
    public List<String> catchAllEntries(String account) {
        return repository.entries(account(account).id(), ListKind.CATCH_ALL);
    }

    @Override
    public String addCatchAllEntry(String account, String entry) {
        Account a = account(account);
        String normal = PolicyEntries.catchAllEntry(entry, owned(a));
        return add(a, ListKind.CATCH_ALL, normal, "catch-all list");
    }

    @Override
    public void removeCatchAllEntry(String account, String entry) {
        Account a = account(account);
        String normal;
        try {
            normal = PolicyEntries.catchAllEntry(entry, owned(a));
        } catch (AccountException e) {
            // An entry for a domain the account no longer owns must still be removable, in any spelling.
            normal = e.reason() == AccountException.Reason.NOT_ALLOWED
                    ? PolicyEntries.catchAllEntryAnyDomain(entry) : entry.trim().toLowerCase(java.util.Locale.ROOT);
        }
        remove(a, ListKind.CATCH_ALL, normal, "catch-all list");
    }

    private String add(Account a, ListKind list, String entry, String what) {
        try {
            repository.addEntry(a.id(), list, entry);
        } catch (DuplicateKeyException e) {
            throw new AccountException(DUPLICATE, entry + " is on the " + what + " of " + a.address() + " already");
        } finally {
            cache.invalidate(a.id());
        }
        LOG.info("Postern: {} added to the {} of {}", entry, what, a.address());
        return entry;
    }

    private void remove(Account a, ListKind list, String entry, String what) {
        boolean removed = repository.removeEntry(a.id(), list, entry);
        cache.invalidate(a.id());
        if (!removed) {
            throw new AccountException(UNKNOWN_ENTRY, entry + " is not on the " + what + " of " + a.address());
        }
        LOG.info("Postern: {} removed from the {} of {}", entry, what, a.address());
    }

    private Set<String> owned(Account a) {
        return accounts.domains(a.id()).stream().map(OwnedDomain::name).collect(Collectors.toSet());
    }

    private Account account(String address) {
        try {
            MailAddress.parse(address);
        } catch (IllegalArgumentException e) {
            throw new AccountException(INVALID_ADDRESS, e.getMessage());
        }
        Account a = accounts.find(address).orElseThrow(() -> new AccountException(UNKNOWN_ACCOUNT, "no account " + address));
        if (a.status() == AccountStatus.REMOVED) {
            throw new AccountException(UNKNOWN_ACCOUNT, "account " + a.address() + " was removed");
        }
        return a;
    }
}
