package org.postern.auth.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.postern.api.account.Account;
import org.postern.api.account.AccountException;
import org.postern.api.account.AccountService;
import org.postern.api.account.AccountStatus;
import org.postern.api.auth.AuthUnavailableException;
import org.postern.api.auth.Authenticator;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;
import org.postern.api.mail.AccountGoneException;
import org.postern.api.smtp.CoreService;
import org.postern.api.store.DataDirectory;
import org.postern.core.account.PasswordVerifier;
import org.postern.core.auth.AppPassword;
import org.postern.core.auth.AppPasswords;
import org.postern.core.auth.NewAppPassword;
import org.postern.core.store.AppPasswordRecord;
import org.postern.core.store.AppPasswordRepository;
import org.postern.core.store.ChangeListener;
import org.postern.core.store.DuplicateKeyException;
import org.postern.core.store.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one {@link Authenticator} (DESIGN section 5) and the app passwords behind it. Logins are
 * decided on this component's own threads, never on a protocol's; the live ones are watched
 * (the store's change announcements, on this node and through PostgreSQL's on the others, plus a
 * periodic check for what only time ends) and revoked when their credential stops being valid.
 */
@Component(service = {Authenticator.class, AppPasswords.class, ChangeListener.class},
        configurationPid = AuthConfig.PID, property = CoreService.PROPERTY + "=true")
@Designate(ocd = AuthConfig.class)
public class AuthService implements Authenticator, AppPasswords, ChangeListener {
    private static final Logger LOG = LoggerFactory.getLogger(AuthService.class);
    /** Longest login name considered: an address is at most 320 octets (254 in practice). */
    private static final int MAX_USERNAME = 320;
    private static final int MAX_LIMITER_KEYS = 100_000;
    /** Last-used times are written at most this often per app password: a login is not a write. */
    private static final Duration LAST_USED_GRANULARITY = Duration.ofMinutes(1);
    private static final SecureRandom IDS = new SecureRandom();

    private final AccountService accounts;
    private final PasswordVerifier verifier;
    private final AppPasswordRepository repository;
    private final Clock clock;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService timer;
    private final AtomicInteger delayed = new AtomicInteger();
    /** Counts account changes heard: a login decided while one arrived checks itself once more. */
    private final java.util.concurrent.atomic.AtomicLong accountChanges = new java.util.concurrent.atomic.AtomicLong();
    private final Map<String, Set<LiveLogin>> live = new ConcurrentHashMap<>();

    private volatile Settings settings;
    private volatile AppPasswordKey key;

    /** Everything the configuration decides, swapped whole on a change. */
    private static final class Settings {
        final Instant cutover;
        final FailureLimiter perPair;
        final FailureLimiter perAddress;
        final FailureLimiter perAccount;
        final int delayAfter;
        final long maxDelayMillis;
        final int maxPending;
        final Path keyFile;

        Settings(AuthConfig c, Clock clock) {
            this.cutover = parseCutover(c.cutover());
            Duration window = Duration.ofMinutes(Math.max(1, c.failure_window_minutes()));
            Duration block = Duration.ofMinutes(Math.max(1, c.block_minutes()));
            this.perPair = new FailureLimiter(c.failures_per_account_address(), window, block, MAX_LIMITER_KEYS, clock);
            this.perAddress = new FailureLimiter(c.failures_per_address(), window, block, MAX_LIMITER_KEYS, clock);
            this.delayAfter = Math.max(1, c.account_delay_after());
            this.perAccount = new FailureLimiter(delayAfter, window, Duration.ZERO, MAX_LIMITER_KEYS, clock);
            this.maxDelayMillis = Math.max(0, c.account_delay_max_seconds()) * 1000L;
            this.maxPending = Math.max(16, c.max_pending());
            this.keyFile = c.app_password_key_file().isBlank()
                    ? DataDirectory.resolve().resolve("auth").resolve("app-password.key")
                    : Path.of(c.app_password_key_file().strip());
        }
    }

    @Activate
    public AuthService(@Reference AccountService accounts, @Reference PasswordVerifier verifier,
            @Reference AppPasswordRepository repository, AuthConfig config) {
        this(accounts, verifier, repository, config, Clock.systemUTC());
    }

    AuthService(AccountService accounts, PasswordVerifier verifier, AppPasswordRepository repository, AuthConfig config,
            Clock clock) {
        this.accounts = accounts;
        this.verifier = verifier;
        this.repository = repository;
        this.clock = clock;
        Settings s = new Settings(config, clock);
        this.key = AppPasswordKey.loadOrCreate(s.keyFile);
        this.settings = s;
        int threads = Math.max(1, config.threads());
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(s.maxPending), r -> {
                    Thread t = new Thread(r, "postern-auth-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.workers.allowCoreThreadTimeOut(true);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "postern-auth-timer");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, config.revalidate_seconds());
        timer.scheduleWithFixedDelay(() -> submit(this::revalidateAll), period, period, TimeUnit.SECONDS);
        warnAboutOtherKeys();
        if (s.cutover != null) {
            LOG.info("Postern auth: account passwords open only the webmail from {}", s.cutover);
        }
    }

    @Modified
    void modified(AuthConfig config) {
        Settings s = new Settings(config, clock);
        if (!s.keyFile.equals(settings.keyFile)) {
            key = AppPasswordKey.loadOrCreate(s.keyFile);
        }
        settings = s;
        warnAboutOtherKeys();
        // A new cutover may end bridge-mode sessions.
        submit(this::revalidateAll);
    }

    /**
     * Every live login is revoked: nobody would be left to revoke them later. Their sessions end
     * and their clients log in again once the authenticator is back.
     */
    @Deactivate
    void deactivate() {
        timer.shutdownNow();
        workers.shutdownNow();
        List<LiveLogin> all = new ArrayList<>();
        live.values().forEach(all::addAll);
        live.clear();
        all.forEach(LiveLogin::revoke);
    }

    private void warnAboutOtherKeys() {
        try {
            long other = repository.countMadeWithOtherKey(key.id());
            if (other > 0) {
                LOG.warn("Postern auth: {} app password(s) were made with another key than {} (key id {}); they cannot "
                        + "log in on this node. Every node needs the same key file", other, settings.keyFile, key.id());
            }
        } catch (RuntimeException e) {
            LOG.debug("Postern auth: could not count app passwords made with other keys", e);
        }
    }

    // ---- Authenticator ----

    @Override
    public CompletionStage<Optional<Login>> login(Protocol protocol, String username, char[] secret, InetAddress client) {
        CompletableFuture<Optional<Login>> result = new CompletableFuture<>();
        Settings s = settings;
        String user = loginKey(username);
        String address = addressKey(client);
        String pair = user + " " + address;
        if (protocol == null || secret == null || s.perAddress.blocked(address) || s.perPair.blocked(pair)) {
            clear(secret);
            result.complete(Optional.empty());
            return result;
        }
        Runnable decide = () -> {
            try {
                Optional<Login> login = decide(s, protocol, username, secret, client);
                if (login.isPresent()) {
                    s.perPair.forget(pair);
                } else {
                    refused(s, protocol, user, address, pair);
                }
                result.complete(login);
            } catch (StoreUnavailableException | RejectedExecutionException | AccountGoneException e) {
                result.completeExceptionally(new AuthUnavailableException("cannot decide logins now", e));
            } catch (RuntimeException e) {
                LOG.warn("Postern auth: a {} login could not be decided: {}", protocol, e.toString());
                result.completeExceptionally(new AuthUnavailableException("cannot decide logins now", e));
            } finally {
                clear(secret);
            }
        };
        long delay = accountDelay(s, user);
        try {
            if (delay > 0) {
                if (delayed.incrementAndGet() > s.maxPending) {
                    delayed.decrementAndGet();
                    throw new RejectedExecutionException("too many delayed logins");
                }
                timer.schedule(() -> {
                    delayed.decrementAndGet();
                    if (s.perAddress.blocked(address) || s.perPair.blocked(pair)) {
                        clear(secret);
                        result.complete(Optional.empty());
                    } else {
                        submitOrFail(decide, secret, result);
                    }
                }, delay, TimeUnit.MILLISECONDS);
            } else {
                workers.execute(decide);
            }
        } catch (RejectedExecutionException e) {
            clear(secret);
            result.completeExceptionally(new AuthUnavailableException("too many logins waiting", e));
        }
        return result;
    }

    private void submitOrFail(Runnable decide, char[] secret, CompletableFuture<Optional<Login>> result) {
        try {
            workers.execute(decide);
        } catch (RejectedExecutionException e) {
            clear(secret);
            result.completeExceptionally(new AuthUnavailableException("too many logins waiting", e));
        }
    }

    /** 0 until the account has had {@code delayAfter} recent failures, then 1 s, 2 s, 4 s ... up to the maximum. */
    private static long accountDelay(Settings s, String user) {
        int recent = s.perAccount.recent(user);
        if (recent < s.delayAfter || s.maxDelayMillis == 0) {
            return 0;
        }
        int doublings = Math.min(30, recent - s.delayAfter);
        return Math.min(s.maxDelayMillis, 1000L << doublings);
    }

    private void refused(Settings s, Protocol protocol, String user, String address, String pair) {
        s.perAccount.failure(user);
        boolean pairBlocked = s.perPair.failure(pair);
        boolean addressBlocked = s.perAddress.failure(address);
        // The client address only: a login name is personal data, and users type passwords into it.
        LOG.info("Postern auth: {} login refused from {}", protocol, address);
        if (pairBlocked) {
            LOG.warn("Postern auth: too many failed logins for one account from {}; that account is refused from there "
                    + "for a while", address);
        }
        if (addressBlocked) {
            LOG.warn("Postern auth: too many failed logins from {}; every login from there is refused for a while", address);
        }
    }

    /**
     * The decision itself, on a worker thread. The order keeps timing alike for every refusal
     * that matters: before the cutover every login that is not a matching app password pays one
     * Argon2id verification, known account or not, app passwords or not.
     */
    private Optional<Login> decide(Settings s, Protocol protocol, String username, char[] secret, InetAddress client) {
        long changesBefore = accountChanges.get();
        Optional<Account> account = find(username);
        String accountId = account.map(Account::id).orElse(null);
        Instant now = clock.instant();
        String appPasswordId = null;
        boolean ok = false;
        if (protocol != Protocol.WEBMAIL) {
            char[] normalized = AppPasswordSecrets.normalize(secret);
            if (normalized != null) {
                String hash;
                try {
                    hash = key.hash(normalized);
                } finally {
                    clear(normalized);
                }
                Optional<AppPasswordRecord> found = repository.bySecretHash(hash);
                if (found.isPresent() && accountId != null
                        && MessageDigest.isEqual(found.get().secretHash().getBytes(StandardCharsets.US_ASCII),
                                hash.getBytes(StandardCharsets.US_ASCII))
                        && found.get().accountId().equals(accountId)
                        && usable(found.get(), protocol, client, now)) {
                    ok = true;
                    appPasswordId = found.get().id();
                    recordUse(found.get(), now);
                }
            }
            if (!ok && !cutoverPassed(s, now)) {
                ok = verifier.verifyPassword(accountId, secret) && accountId != null && !repository.hasAny(accountId);
            }
        } else {
            ok = verifier.verifyPassword(accountId, secret) && accountId != null;
        }
        if (!ok || account.get().status() != AccountStatus.ACTIVE) {
            return Optional.empty();
        }
        LiveLogin login = new LiveLogin(accountId, account.get().address(), protocol, appPasswordId, this::closed);
        live.computeIfAbsent(accountId, k -> ConcurrentHashMap.newKeySet()).add(login);
        // A change heard between the lookups and the registration (a delete racing this login)
        // found no login to revalidate: check this one again. Rare, so logins stay cheap.
        if (accountChanges.get() != changesBefore && !stillValid(login, s, clock.instant())) {
            login.revoke();
            live.getOrDefault(accountId, Set.of()).remove(login);
            return Optional.empty();
        }
        return Optional.of(login);
    }

    private Optional<Account> find(String username) {
        if (username == null || username.isEmpty() || username.length() > MAX_USERNAME) {
            return Optional.empty();
        }
        try {
            return accounts.find(username.strip());
        } catch (AccountException invalid) {
            return Optional.empty();
        }
    }

    private static boolean usable(AppPasswordRecord r, Protocol protocol, InetAddress client, Instant now) {
        if (!r.protocols().contains(protocol)) {
            return false;
        }
        if (r.expires() != null && LocalDate.ofInstant(now, ZoneOffset.UTC).isAfter(r.expires())) {
            return false;
        }
        if (r.networks().isEmpty()) {
            return true;
        }
        for (String n : r.networks()) {
            try {
                if (Network.parse(n).contains(client)) {
                    return true;
                }
            } catch (IllegalArgumentException stored) {
                // A row this code wrote, so never; refuse rather than allow from anywhere.
            }
        }
        return false;
    }

    private void recordUse(AppPasswordRecord r, Instant now) {
        if (r.lastUsed() == null || r.lastUsed().plus(LAST_USED_GRANULARITY).isBefore(now)) {
            try {
                repository.recordUse(r.id(), now);
            } catch (RuntimeException e) {
                LOG.debug("Postern auth: could not record an app password's last use", e);
            }
        }
    }

    private static boolean cutoverPassed(Settings s, Instant now) {
        return s.cutover != null && !now.isBefore(s.cutover);
    }

    // ---- live logins ----

    private void closed(LiveLogin login) {
        live.computeIfPresent(login.accountId(), (id, set) -> {
            set.remove(login);
            return set.isEmpty() ? null : set;
        });
    }

    /** Number of logins sessions hold now (for tests and status). */
    int liveLogins() {
        return live.values().stream().mapToInt(Set::size).sum();
    }

    @Override
    public void changed(String topic, String key) {
        if (!ACCOUNT.equals(topic)) {
            return;
        }
        accountChanges.incrementAndGet();
        if (live.containsKey(key)) {
            submit(() -> revalidate(key));
        }
    }

    @Override
    public void resync() {
        accountChanges.incrementAndGet();
        submit(this::revalidateAll);
    }

    private void submit(Runnable r) {
        try {
            workers.execute(r);
        } catch (RejectedExecutionException e) {
            // Saturated or stopping: the periodic revalidation comes soon anyway.
            LOG.debug("Postern auth: revalidation postponed: {}", e.toString());
        }
    }

    private void revalidateAll() {
        for (String accountId : List.copyOf(live.keySet())) {
            revalidate(accountId);
        }
    }

    private void revalidate(String accountId) {
        Set<LiveLogin> logins = live.get(accountId);
        if (logins == null || logins.isEmpty()) {
            return;
        }
        Settings s = settings;
        Instant now = clock.instant();
        for (LiveLogin login : List.copyOf(logins)) {
            try {
                if (!stillValid(login, s, now)) {
                    LOG.info("Postern auth: a {} session of account {} ends: its login is no longer valid",
                            login.protocol(), accountId);
                    logins.remove(login);
                    login.revoke();
                }
            } catch (StoreUnavailableException e) {
                // The store cannot tell now: keep the session; the next revalidation asks again.
                return;
            } catch (RuntimeException e) {
                LOG.warn("Postern auth: could not revalidate the logins of account {}: {}", accountId, e.toString());
                return;
            }
        }
        live.computeIfPresent(accountId, (id, set) -> set.isEmpty() ? null : set);
    }

    private boolean stillValid(LiveLogin login, Settings s, Instant now) {
        Optional<Account> account = accounts.get(login.accountId());
        if (account.isEmpty() || account.get().status() != AccountStatus.ACTIVE) {
            return false;
        }
        if (login.appPasswordId() != null) {
            Optional<AppPasswordRecord> r = repository.byId(login.appPasswordId());
            return r.isPresent() && (r.get().expires() == null
                    || !LocalDate.ofInstant(now, ZoneOffset.UTC).isAfter(r.get().expires()));
        }
        if (login.protocol() == Protocol.WEBMAIL) {
            return true;
        }
        return !cutoverPassed(s, now) && !repository.hasAny(login.accountId());
    }

    // ---- AppPasswords ----

    @Override
    public NewAppPassword create(String accountId, String name, Set<Protocol> protocols, List<String> networks,
            LocalDate expires) {
        String n = validName(name);
        if (protocols == null || protocols.isEmpty()) {
            throw new AccountException(AccountException.Reason.NOT_ALLOWED,
                    "an app password needs at least one protocol: imap, pop3, smtp, dav");
        }
        if (protocols.contains(Protocol.WEBMAIL)) {
            throw new AccountException(AccountException.Reason.NOT_ALLOWED,
                    "app passwords never open the webmail: it takes the account password");
        }
        Set<String> nets = new LinkedHashSet<>();
        for (String text : networks == null ? List.<String>of() : networks) {
            try {
                nets.add(Network.parse(text).toString());
            } catch (IllegalArgumentException e) {
                throw new AccountException(AccountException.Reason.INVALID_ENTRY, e.getMessage());
            }
        }
        if (nets.size() > MAX_NETWORKS) {
            throw new AccountException(AccountException.Reason.INVALID_ENTRY,
                    "at most " + MAX_NETWORKS + " networks per app password");
        }
        Instant now = clock.instant();
        if (expires != null && expires.isBefore(LocalDate.ofInstant(now, ZoneOffset.UTC))) {
            throw new AccountException(AccountException.Reason.NOT_ALLOWED, "the expiry date " + expires + " has passed");
        }
        Account account = accounts.get(accountId).filter(a -> a.status() != AccountStatus.REMOVED)
                .orElseThrow(() -> new AccountException(AccountException.Reason.UNKNOWN_ACCOUNT, "no such account"));
        char[] secret = AppPasswordSecrets.generate();
        char[] normalized = AppPasswordSecrets.normalize(secret);
        String hash;
        try {
            hash = key.hash(normalized);
        } finally {
            clear(normalized);
        }
        AppPasswordRecord record = new AppPasswordRecord(newId(), account.id(), n, hash, key.id(),
                EnumSet.copyOf(protocols), List.copyOf(nets), expires, now, null);
        try {
            repository.insert(record);
        } catch (DuplicateKeyException e) {
            clear(secret);
            throw new AccountException(AccountException.Reason.DUPLICATE,
                    account.address() + " already has an app password named '" + n + "'");
        } catch (AccountGoneException e) {
            clear(secret);
            throw new AccountException(AccountException.Reason.UNKNOWN_ACCOUNT, "no such account");
        } catch (RuntimeException e) {
            clear(secret);
            throw e;
        }
        LOG.info("Postern auth: account {} has a new app password for {}", account.id(),
                record.protocols().stream().map(p -> p.name().toLowerCase(java.util.Locale.ROOT))
                        .sorted().collect(Collectors.joining(",")));
        return new NewAppPassword(describe(record), secret);
    }

    @Override
    public List<AppPassword> list(String accountId) {
        return repository.byAccount(accountId).stream().map(AuthService::describe).collect(Collectors.toList());
    }

    @Override
    public boolean delete(String accountId, String name) {
        boolean deleted = repository.delete(accountId, name == null ? "" : name.strip());
        if (deleted) {
            LOG.info("Postern auth: account {} deleted an app password", accountId);
            // The store's announcement revalidates too; this makes it immediate on this node even
            // while the announcement is queued behind others.
            submit(() -> revalidate(accountId));
        }
        return deleted;
    }

    private static AppPassword describe(AppPasswordRecord r) {
        return new AppPassword(r.name(), r.protocols(), r.networks(), r.expires(), r.created(), r.lastUsed());
    }

    private static String validName(String name) {
        String n = name == null ? "" : name.strip();
        if (n.isEmpty()) {
            throw new AccountException(AccountException.Reason.INVALID_ENTRY, "an app password needs a name, e.g. \"Thunderbird on the laptop\"");
        }
        if (n.codePointCount(0, n.length()) > MAX_NAME || n.length() > MAX_NAME) {
            throw new AccountException(AccountException.Reason.INVALID_ENTRY,
                    "an app password's name has at most " + MAX_NAME + " characters");
        }
        if (n.chars().anyMatch(c -> Character.isISOControl(c) || c == '\u2028' || c == '\u2029')) {
            throw new AccountException(AccountException.Reason.INVALID_ENTRY, "an app password's name cannot hold control characters");
        }
        return n;
    }

    private static String newId() {
        byte[] raw = new byte[16];
        IDS.nextBytes(raw);
        return HexFormat.of().formatHex(raw);
    }

    // ---- small things ----

    /** The login name as the limiter counts it: case folded, bounded. */
    private static String loginKey(String username) {
        if (username == null) {
            return "";
        }
        String u = username.strip().toLowerCase(java.util.Locale.ROOT);
        return u.length() > MAX_USERNAME ? u.substring(0, MAX_USERNAME) : u;
    }

    /** The client as the limiter counts it: an IPv4 address, or an IPv6 /64 (one subscriber's). */
    static String addressKey(InetAddress client) {
        if (client == null) {
            return "unknown";
        }
        if (client instanceof Inet6Address) {
            byte[] a = Arrays.copyOf(client.getAddress(), 16);
            Arrays.fill(a, 8, 16, (byte) 0);
            try {
                return InetAddress.getByAddress(a).getHostAddress() + "/64";
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return client.getHostAddress();
    }

    static Instant parseCutover(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            return null;
        }
        try {
            return t.indexOf('T') >= 0 ? Instant.parse(t) : LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(AuthConfig.PID + ": cutover '" + t
                    + "' is neither an instant (2027-03-01T00:00:00Z) nor a date (2027-03-01)");
        }
    }

    private static void clear(char[] secret) {
        if (secret != null) {
            Arrays.fill(secret, '\0');
        }
    }
}
