package org.postern.accounts.internal;

import static org.postern.api.account.AccountException.Reason.DUPLICATE;
import static org.postern.api.account.AccountException.Reason.INVALID_ADDRESS;
import static org.postern.api.account.AccountException.Reason.INVALID_DOMAIN;
import static org.postern.api.account.AccountException.Reason.NOT_ALLOWED;
import static org.postern.api.account.AccountException.Reason.UNKNOWN_ACCOUNT;
import static org.postern.api.account.AccountException.Reason.UNKNOWN_DOMAIN;
import static org.postern.api.account.AccountException.Reason.WEAK_PASSWORD;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.core.account.PasswordVerifier;
import org.postern.api.whiteboard.WhiteboardOrder;
import org.postern.api.account.Account;
import org.postern.api.account.AccountException;
import org.postern.api.account.AccountLifecycleListener;
import org.postern.api.account.AccountService;
import org.postern.api.account.AccountStatus;
import org.postern.api.account.AddressResolver;
import org.postern.api.account.DomainService;
import org.postern.api.account.OwnedDomain;
import org.postern.api.account.Resolution;
import org.postern.api.address.DomainName;
import org.postern.api.address.MailAddress;
import org.postern.core.config.ConfigCheck;
import org.postern.core.store.AccountRecord;
import org.postern.core.store.AccountRepository;
import org.postern.core.store.DomainRepository;
import org.postern.core.store.DuplicateKeyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounts, service domains and owned domains: the rules (who may own what, password strength,
 * tombstones for removed addresses) on top of the store's repositories.
 */
@Component(service = {AccountService.class, DomainService.class, AddressResolver.class, PasswordVerifier.class},
        configurationPid = AccountsConfig.PID)
@Designate(ocd = AccountsConfig.class)
public class AccountManager implements AccountService, DomainService, AddressResolver, PasswordVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(AccountManager.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AccountRepository accounts;
    private final DomainRepository domains;
    private final Argon2idHasher hasher;
    private final int minPasswordLength;
    private final int initialPeriodDays;
    private final Clock clock;
    private final ResolutionCache resolutions;
    /**
     * Lifecycle listeners with their service properties, as SCR hands them over: a list it
     * replaces on every change and never mutates, so an event in progress reaches the listeners
     * it started with. Told in {@link WhiteboardOrder#ORDER}.
     */
    @Reference(service = AccountLifecycleListener.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Map.Entry<Map<String, Object>, AccountLifecycleListener>> listeners = List.of();
    /** Accounts whose unreadable password hash was reported since start: one warning each. */
    private final Set<String> reportedUnreadable = ConcurrentHashMap.newKeySet();
    /** Where warnings about stored data go; a seam for tests (there is no SLF4J binding in unit tests). */
    Consumer<String> warnings = LOG::warn;

    @Activate
    public AccountManager(@Reference AccountRepository accounts, @Reference DomainRepository domains,
            @Reference ResolutionCache resolutions, AccountsConfig config, Map<String, Object> properties) {
        this(accounts, domains, checked(config, properties), config.password_min_length(),
                config.initial_period_days(), Clock.systemUTC(), resolutions);
    }

    AccountManager(AccountRepository accounts, DomainRepository domains, Argon2idHasher hasher,
            int minPasswordLength, int initialPeriodDays, Clock clock) {
        this(accounts, domains, hasher, minPasswordLength, initialPeriodDays, clock, new ResolutionCache());
    }

    AccountManager(AccountRepository accounts, DomainRepository domains, Argon2idHasher hasher,
            int minPasswordLength, int initialPeriodDays, Clock clock, ResolutionCache resolutions) {
        this.resolutions = resolutions;
        this.accounts = accounts;
        this.domains = domains;
        this.hasher = hasher;
        this.minPasswordLength = minPasswordLength;
        this.initialPeriodDays = initialPeriodDays;
        this.clock = clock;
    }

    private static Argon2idHasher checked(AccountsConfig c, Map<String, Object> properties) {
        try {
            ConfigCheck check = ConfigCheck.of(AccountsConfig.PID, properties)
                    .isLong("password.min.length", 8, 1024)
                    .isLong("argon2.memory.kib", 8, Argon2idHasher.MAX_MEMORY_KIB)
                    .isLong("argon2.iterations", 1, Argon2idHasher.MAX_ITERATIONS)
                    .isLong("argon2.parallelism", 1, Argon2idHasher.MAX_PARALLELISM)
                    .isLong("argon2.concurrency", 0, 1024)
                    .isLong("argon2.wait.ms", 0, 600_000)
                    .isLong("initial.period.days", 0, 36600);
            if (check.problems().isEmpty()) {
                // Only once the numbers are numbers: the typed accessors are meaningless otherwise.
                String floor = Argon2idHasher.belowFloor(c.argon2_memory_kib(), c.argon2_iterations(),
                        c.argon2_parallelism());
                check.problem(floor != null, floor);
            }
            check.throwIfInvalid();
            int concurrency = c.argon2_concurrency() > 0 ? c.argon2_concurrency()
                    : Runtime.getRuntime().availableProcessors();
            return new Argon2idHasher(c.argon2_memory_kib(), c.argon2_iterations(), c.argon2_parallelism(),
                    concurrency, c.argon2_wait_ms());
        } catch (IllegalArgumentException e) {
            LOG.error("Postern accounts not started: {}", e.getMessage());
            throw e;
        }
    }

    /** The hasher this activation built from its configuration. */
    Argon2idHasher hasher() {
        return hasher;
    }

    /** The listeners now, in {@link WhiteboardOrder#ORDER}. */
    List<AccountLifecycleListener> listeners() {
        return WhiteboardOrder.sorted(listeners).stream().map(Map.Entry::getValue).toList();
    }

    // ---- service domains ----

    @Override
    public String addServiceDomain(String domain) {
        String name = domain(domain);
        if (domains.ownedDomain(name).isPresent()) {
            throw new AccountException(DUPLICATE, name + " is owned by an account; it cannot also be a service domain");
        }
        try {
            domains.insertServiceDomain(name);
        } catch (DuplicateKeyException e) {
            throw new AccountException(DUPLICATE, "service domain " + name + " exists already");
        }
        LOG.info("Postern: service domain {} added", name);
        return name;
    }

    @Override
    public List<String> serviceDomains() {
        return domains.serviceDomains();
    }

    @Override
    public boolean isHosted(String domain) {
        String name;
        try {
            name = DomainName.normalize(domain);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return domains.isServiceDomain(name) || domains.ownedDomain(name).isPresent();
    }

    // ---- accounts ----

    @Override
    public Account create(String address, char[] password, LocalDate expires) {
        try {
            MailAddress a = address(address);
            if (!a.isAscii()) {
                // Mail to a non-ASCII address needs SMTPUTF8 at every hop, and many senders lack
                // it: an issued address must be reachable from everywhere. Catch-all domains
                // still receive non-ASCII local parts.
                throw new AccountException(INVALID_ADDRESS, "addresses issued here are ASCII: " + address);
            }
            if (!domains.isServiceDomain(a.domain())) {
                throw new AccountException(UNKNOWN_DOMAIN, a.domain()
                        + " is not a service domain (add it with postern:domain-add, or give the account an address at one)");
            }
            requireStrong(password);
            Optional<AccountRecord> existing = accounts.byAddress(a);
            if (existing.isPresent()) {
                throw duplicate(existing.get());
            }
            Instant now = clock.instant();
            LocalDate expiry = expires != null ? expires : LocalDate.now(clock).plusDays(initialPeriodDays);
            AccountRecord record = new AccountRecord(newId(), a, AccountStatus.ACTIVE, hasher.hash(password), now, expiry);
            try {
                accounts.insert(record);
            } catch (DuplicateKeyException e) {
                throw duplicate(accounts.byAddress(a).orElse(record));
            }
            Account account = toAccount(record);
            LOG.info("Postern: account {} created", a);
            notify(l -> l.created(account));
            return account;
        } finally {
            clear(password);
        }
    }

    private static AccountException duplicate(AccountRecord existing) {
        return existing.status() == AccountStatus.REMOVED
                ? new AccountException(DUPLICATE, existing.address()
                        + " belonged to a removed account; addresses are never issued twice")
                : new AccountException(DUPLICATE, "account " + existing.address() + " exists already");
    }

    @Override
    public Optional<Account> find(String address) {
        MailAddress a;
        try {
            a = MailAddress.parse(address);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return accounts.byAddress(a).map(AccountManager::toAccount);
    }

    @Override
    public Optional<Account> get(String accountId) {
        return accounts.byId(accountId).map(AccountManager::toAccount);
    }

    @Override
    public List<Account> list() {
        return accounts.list().stream().map(AccountManager::toAccount).toList();
    }

    @Override
    public void setPassword(String address, char[] password) {
        try {
            AccountRecord r = existing(address);
            requireStrong(password);
            accounts.updatePasswordHash(r.id(), hasher.hash(password));
            LOG.info("Postern: password of {} changed", r.address());
        } finally {
            clear(password);
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * A right password against a hash made with other Argon2id parameters stores a fresh hash with
     * the current ones, so the population converges on what the unknown-account decoy costs.
     *
     * @throws java.util.concurrent.RejectedExecutionException when every hashing slot stayed busy
     *         for {@code argon2.wait.ms}: a temporary failure, neither a wrong password nor a success
     */
    @Override
    public boolean verifyPassword(String accountId, char[] password) {
        try {
            Optional<AccountRecord> found = accountId == null ? Optional.empty() : accounts.byId(accountId);
            if (found.isEmpty() || found.get().status() != AccountStatus.ACTIVE) {
                return hasher.decoyVerify(password);
            }
            AccountRecord r = found.get();
            Argon2idHasher.Outcome outcome = hasher.check(password, r.passwordHash());
            switch (outcome) {
                case UNREADABLE -> reportUnreadable(r);
                case MATCH_OUTDATED -> rehash(r, password);
                default -> { }
            }
            return outcome.matched();
        } finally {
            clear(password);
        }
    }

    @Override
    public boolean verifyLockedPassword(String accountId, char[] password) {
        try {
            Optional<AccountRecord> found = accountId == null ? Optional.empty() : accounts.byId(accountId);
            if (found.isEmpty() || found.get().status() != AccountStatus.LOCKED || found.get().passwordHash() == null) {
                return hasher.decoyVerify(password);
            }
            return hasher.check(password, found.get().passwordHash()).matched();
        } finally {
            clear(password);
        }
    }

    /**
     * A digest of the stored hash: it changes with the password (and with a rehash to new
     * parameters, which then ends account-password sessions once; rare and harmless).
     */
    @Override
    public String passwordStamp(String accountId) {
        return accounts.byId(accountId).map(AccountRecord::passwordHash).filter(Objects::nonNull).map(h -> {
            try {
                byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                        .digest(h.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return java.util.HexFormat.of().formatHex(d, 0, 8);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }).orElse("");
    }

    /**
     * Stores a hash with the current parameters, unless the password was changed meanwhile (a
     * narrow window remains between the re-read and the update: the repository has no
     * compare-and-set). A failure here does not fail the login; the next one tries again.
     */
    private void rehash(AccountRecord verified, char[] password) {
        try {
            String fresh = hasher.hash(password);
            Optional<AccountRecord> now = accounts.byId(verified.id());
            if (now.isPresent() && now.get().status() == AccountStatus.ACTIVE
                    && Objects.equals(now.get().passwordHash(), verified.passwordHash())
                    && accounts.updatePasswordHash(verified.id(), fresh)) {
                LOG.info("Postern: password hash of {} upgraded to Argon2id {}", verified.address(), hasher.parameters());
            }
        } catch (RuntimeException e) {
            LOG.warn("Postern: could not upgrade the password hash of {}: {}", verified.address(), e.toString());
        }
    }

    private void reportUnreadable(AccountRecord r) {
        if (reportedUnreadable.add(r.id())) {
            warnings.accept("Postern: the stored password hash of " + r.address() + " (account " + r.id()
                    + ") is missing or unreadable; its logins are refused until postern:account-passwd sets a new one");
        }
    }

    @Override
    public void lock(String address) {
        changeStatus(address, AccountStatus.LOCKED);
    }

    @Override
    public void unlock(String address) {
        changeStatus(address, AccountStatus.ACTIVE);
    }

    /** The store announces the change (ChangeListener.ACCOUNT): that is what closes open sessions. */
    private void changeStatus(String address, AccountStatus status) {
        AccountRecord r = existing(address);
        if (r.status() == status) {
            return;
        }
        accounts.updateStatus(r.id(), status);
        Account changed = toAccount(accounts.byId(r.id()).orElseThrow());
        LOG.info("Postern: account {} {}", r.address(), status == AccountStatus.LOCKED ? "locked" : "unlocked");
        notify(l -> {
            if (status == AccountStatus.LOCKED) {
                l.locked(changed);
            } else {
                l.unlocked(changed);
            }
        });
    }

    /**
     * {@inheritDoc}
     * <p>
     * The store deletes the account's folders and messages, and records their bodies for
     * deletion, in {@code markRemoved}'s own transaction. When that fails, this throws: the
     * operator sees the error, never "removed", and no listener is told.
     */
    @Override
    public void remove(String address) {
        AccountRecord r = existing(address);
        accounts.markRemoved(r.id());
        Account removed = toAccount(accounts.byId(r.id()).orElseThrow());
        LOG.info("Postern: account {} removed", r.address());
        notify(l -> l.removed(removed));
    }

    @Override
    public boolean removeExpired(String address, java.time.LocalDate expiredOnOrBefore) {
        AccountRecord r = existing(address);
        if (!accounts.markRemovedIfExpired(r.id(), expiredOnOrBefore)) {
            return false;
        }
        Account removed = toAccount(accounts.byId(r.id()).orElseThrow());
        LOG.info("Postern: account {} removed, long after it expired", r.address());
        notify(l -> l.removed(removed));
        return true;
    }

    // ---- owned domains ----

    @Override
    public OwnedDomain addDomain(String address, String domain) {
        AccountRecord r = existing(address);
        String name = domain(domain);
        if (domains.isServiceDomain(name)) {
            throw new AccountException(NOT_ALLOWED, name + " is a service domain; accounts cannot own it");
        }
        OwnedDomain.Kind kind = OwnedDomain.Kind.CUSTOM;
        // The most specific service domain decides: with example.net and mail.example.net both
        // service domains, carol.mail.example.net is carol@mail.example.net's namespace.
        String service = domains.serviceDomains().stream().filter(s -> DomainName.isSameOrUnder(name, s))
                .max(java.util.Comparator.comparingInt(String::length)).orElse(null);
        if (service != null) {
            String namespace = r.address().localPart() + "." + r.address().domain();
            if (!service.equals(r.address().domain()) || !DomainName.isSameOrUnder(name, namespace)) {
                throw new AccountException(NOT_ALLOWED, name + " is under service domain " + service + "; "
                        + r.address() + " may own only " + namespace + " and names under it");
            }
            kind = OwnedDomain.Kind.ALIAS_SUBDOMAIN;
        }
        Optional<OwnedDomain> owned = domains.ownedDomain(name);
        if (owned.isPresent()) {
            throw new AccountException(DUPLICATE, owned.get().accountId().equals(r.id())
                    ? r.address() + " owns " + name + " already"
                    : name + " is owned by another account");
        }
        OwnedDomain d = new OwnedDomain(name, kind, r.id());
        try {
            domains.insertOwnedDomain(d);
        } catch (DuplicateKeyException e) {
            throw new AccountException(DUPLICATE, name + " is owned by another account");
        }
        LOG.info("Postern: {} now owns {} ({})", r.address(), name, kind);
        return d;
    }

    @Override
    public void removeDomain(String address, String domain) {
        AccountRecord r = existing(address);
        String name = domain(domain);
        if (!domains.deleteOwnedDomain(r.id(), name)) {
            throw new AccountException(UNKNOWN_DOMAIN, r.address() + " does not own " + name);
        }
        LOG.info("Postern: {} no longer owns {}", r.address(), name);
    }

    @Override
    public List<OwnedDomain> domains(String accountId) {
        return domains.ownedDomains(accountId);
    }

    // ---- resolution ----

    @Override
    public Optional<Resolution> resolve(String address) {
        MailAddress a;
        try {
            a = MailAddress.parse(address);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (domains.isServiceDomain(a.domain())) {
            return resolutions.get(a.toString(), () -> accounts.byAddress(a)
                    .filter(r -> r.status() != AccountStatus.REMOVED).map(AccountManager::toAccount))
                    .map(account -> new Resolution(a, account, Resolution.Kind.PRIMARY));
        }
        return resolutions.get("@" + a.domain(), () -> domains.ownedDomain(a.domain())
                .flatMap(d -> accounts.byId(d.accountId()))
                .filter(r -> r.status() != AccountStatus.REMOVED).map(AccountManager::toAccount))
                .map(account -> new Resolution(a, account, Resolution.Kind.OWNED_DOMAIN));
    }

    // ---- helpers ----

    private AccountRecord existing(String address) {
        MailAddress a = address(address);
        AccountRecord r = accounts.byAddress(a)
                .orElseThrow(() -> new AccountException(UNKNOWN_ACCOUNT, "no account " + a));
        if (r.status() == AccountStatus.REMOVED) {
            throw new AccountException(UNKNOWN_ACCOUNT, "account " + a + " was removed");
        }
        return r;
    }

    private void requireStrong(char[] password) {
        if (password == null || password.length < minPasswordLength) {
            throw new AccountException(WEAK_PASSWORD, "password too short: at least " + minPasswordLength + " characters");
        }
        if (isBlank(password)) {
            throw new AccountException(WEAK_PASSWORD, "password must not be blank");
        }
    }

    /** {@link String#isBlank()} without copying the password into a String. */
    private static boolean isBlank(char[] password) {
        for (int i = 0; i < password.length; ) {
            int cp = Character.codePointAt(password, i);
            if (!Character.isWhitespace(cp)) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }

    private static MailAddress address(String text) {
        try {
            return MailAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new AccountException(INVALID_ADDRESS, e.getMessage());
        }
    }

    private static String domain(String text) {
        try {
            return DomainName.normalize(text);
        } catch (IllegalArgumentException e) {
            throw new AccountException(INVALID_DOMAIN, e.getMessage());
        }
    }

    private static String newId() {
        byte[] raw = new byte[16];
        RANDOM.nextBytes(raw);
        return HexFormat.of().formatHex(raw);
    }

    private static void clear(char[] password) {
        if (password != null) {
            Arrays.fill(password, '\0');
        }
    }

    static Account toAccount(AccountRecord r) {
        return new Account(r.id(), r.address(), r.status(), r.created(), r.expires());
    }

    private void notify(Consumer<AccountLifecycleListener> event) {
        for (AccountLifecycleListener l : listeners()) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                LOG.warn("Postern: account lifecycle listener {} failed: {}", l.getClass().getName(), e.toString());
            }
        }
    }
}
