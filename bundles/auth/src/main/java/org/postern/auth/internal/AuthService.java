package org.postern.auth.internal;

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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.postern.api.address.MailAddress;
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
import org.postern.core.auth.WebmailAuthenticator;
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
@Component(service = {Authenticator.class, AppPasswords.class, ChangeListener.class, WebmailAuthenticator.class},
        configurationPid = AuthConfig.PID, property = CoreService.PROPERTY + "=true")
@Designate(ocd = AuthConfig.class)
public class AuthService implements Authenticator, AppPasswords, ChangeListener, WebmailAuthenticator {
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
    private final LiveLogins live;
    /** Attempts not yet answered, with their secrets: failed and cleared if the component stops. */
    private final Map<Attempt, Boolean> pending = new ConcurrentHashMap<>();
    /** Counts account changes heard: a login decided while one arrived checks itself once more. */
    private final AtomicLong accountChanges = new AtomicLong();
    private volatile boolean stopped;

    private volatile Settings settings;
    private volatile AppPasswordKey key;

    /** Everything the configuration decides, swapped whole on a change. */
    private static final class Settings {
        final Instant cutover;
        final LoginThrottle throttle;
        final Path keyFile;

        Settings(AuthConfig c, Clock clock) {
            this.cutover = parseCutover(c.cutover());
            this.throttle = new LoginThrottle(c, MAX_LIMITER_KEYS, clock);
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
                new LinkedBlockingQueue<>(Math.max(16, config.max_pending())), r -> {
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
        this.live = new LiveLogins(login -> stillValid(login, settings, clock.instant()));
        long period = Math.max(1, config.revalidate_seconds());
        timer.scheduleWithFixedDelay(live::revalidateAll, period, period, TimeUnit.SECONDS);
        warnAboutOtherKeys();
        if (s.cutover != null) {
            LOG.info("Postern auth: account passwords open only the webmail from {}", s.cutover);
        }
    }

    /**
     * Cutover, budgets and the key file take effect at once (counters start afresh); threads,
     * queue length and the revalidation period when the component next starts.
     */
    @Modified
    void modified(AuthConfig config) {
        Settings s = new Settings(config, clock);
        if (!s.keyFile.equals(settings.keyFile)) {
            key = AppPasswordKey.loadOrCreate(s.keyFile);
        }
        settings = s;
        warnAboutOtherKeys();
        // A new cutover may end bridge-mode sessions.
        live.revalidateAll();
    }

    /**
     * Every live login is revoked (nobody would be left to revoke them later) and every attempt
     * not yet answered fails as a temporary failure, its secret cleared. Clients log in again
     * once the authenticator is back.
     */
    @Deactivate
    void deactivate() {
        stopped = true;
        timer.shutdownNow();
        workers.shutdownNow();
        for (Attempt a : List.copyOf(pending.keySet())) {
            a.unavailable(new IllegalStateException("the authenticator stopped"));
        }
        live.stop();
    }

    private void warnAboutOtherKeys() {
        try {
            AppPasswordKey k = key;
            long other = repository.countMadeWithOtherKey(k.id());
            if (other > 0) {
                LOG.warn("Postern auth: {} app password(s) were made with another key than {} (key id {}); they cannot "
                        + "log in on this node. Every node needs the same key file", other, settings.keyFile, k.id());
            }
        } catch (RuntimeException e) {
            LOG.debug("Postern auth: could not count app passwords made with other keys", e);
        }
    }

    // ---- Authenticator ----

    @Override
    public CompletionStage<Optional<Login>> login(Protocol protocol, String username, char[] secret, InetAddress client) {
        Attempt a = new Attempt(settings, protocol, username, secret, client, null);
        a.start();
        return a.result;
    }

    /** {@link WebmailAuthenticator}: the same attempt, which names a locked account when its password was right. */
    @Override
    public CompletionStage<WebmailAuthenticator.Result> login(String username, char[] secret, InetAddress client) {
        AtomicReference<String> locked = new AtomicReference<>();
        Attempt a = new Attempt(settings, Protocol.WEBMAIL, username, secret, client, locked);
        a.start();
        return a.result.thenApply(l -> new WebmailAuthenticator.Result(l,
                l.isPresent() ? Optional.empty() : Optional.ofNullable(locked.get())));
    }

    /**
     * One login attempt, from the protocol's call to its answer. The protocol's thread only
     * checks the client address's block and hands over; everything else runs on this
     * component's threads: resolve the account, check and count the rate limits, wait for the
     * account's turn when it is under attack, decide. The secret is cleared before the answer.
     */
    private final class Attempt {
        final Settings s;
        final Protocol protocol;
        final String username;
        final char[] secret;
        final InetAddress client;
        final String address;
        final String network;
        final CompletableFuture<Optional<Login>> result = new CompletableFuture<>();
        private String accountKey;
        private LoginThrottle.Ticket ticket;
        /** Set to the account's id when it is LOCKED and the password was right; null: never told. */
        final AtomicReference<String> locked;

        Attempt(Settings s, Protocol protocol, String username, char[] secret, InetAddress client, AtomicReference<String> locked) {
            this.locked = locked;
            this.s = s;
            this.protocol = protocol;
            this.username = username;
            this.secret = secret;
            this.client = client;
            this.address = LoginThrottle.addressKey(client);
            this.network = LoginThrottle.networkKey(client);
        }

        void start() {
            if (protocol == null || secret == null || stopped || s.throttle.addressBlocked(address, network)) {
                refuse();
                return;
            }
            pending.put(this, Boolean.TRUE);
            run(this::resolve);
        }

        private void run(Runnable step) {
            try {
                workers.execute(() -> {
                    try {
                        step.run();
                    } catch (StoreUnavailableException | RejectedExecutionException | AccountGoneException e) {
                        unavailable(e);
                    } catch (RuntimeException e) {
                        LOG.warn("Postern auth: a {} login could not be decided: {}", protocol, e.toString());
                        unavailable(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                unavailable(e);
            }
        }

        /** Which account, whether this pair is blocked, the attempt counted, and its turn. */
        private void resolve() {
            Optional<Account> account = find(username);
            accountKey = LoginThrottle.hashed(account.map(a -> "id:" + a.id()).orElseGet(() -> "name:" + canonical(username)));
            String pair = LoginThrottle.hashed(accountKey + " " + address);
            if (s.throttle.pairBlocked(pair) || s.throttle.addressBlocked(address, network)) {
                refuse();
                return;
            }
            ticket = s.throttle.count(pair, address, network);
            long wait = s.throttle.reserve(accountKey, address);
            if (wait < 0) {
                unavailable(new RejectedExecutionException("too many attempts waiting for this account"));
            } else if (wait > 0) {
                try {
                    timer.schedule(() -> run(() -> decide(account)), wait, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    unavailable(e);
                }
            } else {
                decide(account);
            }
        }

        private void decide(Optional<Account> account) {
            Optional<Login> login = AuthService.this.decide(s, protocol, account, secret, client, locked);
            if (login.isEmpty() && locked != null && locked.get() != null) {
                // the right password of a locked account: not a guess, so not counted as one
                s.throttle.succeeded(ticket, accountKey);
                refuse();
                return;
            }
            if (login.isPresent()) {
                s.throttle.succeeded(ticket, accountKey);
                succeed(login.get());
            } else {
                s.throttle.failed(accountKey);
                // The client address only: a login name is personal data, and users type
                // passwords into it.
                LOG.info("Postern auth: {} login refused from {}", protocol, address);
                refuse();
            }
        }

        private void succeed(Login login) {
            clear(secret);
            pending.remove(this);
            if (!result.complete(Optional.of(login))) {
                login.close();
            }
        }

        void refuse() {
            clear(secret);
            pending.remove(this);
            result.complete(Optional.empty());
        }

        void unavailable(Exception cause) {
            clear(secret);
            pending.remove(this);
            result.completeExceptionally(new AuthUnavailableException("cannot decide logins now", cause));
        }
    }

    /**
     * The decision itself, on a worker thread. Timing is alike for every refusal that matters:
     * before the cutover every login that is not a matching app password pays one Argon2id
     * verification, against the account only while it may use its password here (else against
     * a decoy), so neither existence, app passwords nor a correct password show in the timing.
     */
    private Optional<Login> decide(Settings s, Protocol protocol, Optional<Account> account, char[] secret,
            InetAddress client, AtomicReference<String> lockedOut) {
        long changesBefore = accountChanges.get();
        String accountId = account.map(Account::id).orElse(null);
        Instant now = clock.instant();
        String appPasswordId = null;
        String stamp = null;
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
                boolean bridge = accountId != null && !repository.hasAny(accountId);
                ok = verifier.verifyPassword(bridge ? accountId : null, secret) && bridge;
                stamp = ok ? verifier.passwordStamp(accountId) : null;
            }
        } else if (lockedOut != null && account.isPresent() && account.get().status() == AccountStatus.LOCKED) {
            // the webmail asks to be told: one Argon2id check either way, so the timing is alike
            if (verifier.verifyLockedPassword(accountId, secret)) {
                lockedOut.set(accountId);
            }
            return Optional.empty();
        } else {
            ok = verifier.verifyPassword(accountId, secret) && accountId != null;
            stamp = ok ? verifier.passwordStamp(accountId) : null;
        }
        if (!ok || account.get().status() != AccountStatus.ACTIVE) {
            return Optional.empty();
        }
        LiveLogin login = new LiveLogin(accountId, account.get().address(), protocol, appPasswordId, stamp, live::forget);
        live.register(login);
        // A change heard between the lookups and the registration (a delete racing this login)
        // found no login to revalidate: check this one again. Rare, so logins stay cheap.
        if (accountChanges.get() != changesBefore) {
            boolean valid;
            try {
                valid = stillValid(login, s, clock.instant());
            } catch (RuntimeException e) {
                live.forget(login);
                throw e;
            }
            if (!valid) {
                live.forget(login);
                login.revoke();
                return Optional.empty();
            }
        }
        if (login.isRevoked()) {
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

    /**
     * One key per address however it is spelt (case, IDN forms, a trailing dot), so that
     * spellings of one unknown name share their limits too; names that are no address share one.
     */
    private static String canonical(String username) {
        if (username == null || username.isBlank() || username.length() > MAX_USERNAME) {
            return "(invalid)";
        }
        try {
            return MailAddress.parse(username.strip()).toString();
        } catch (RuntimeException invalid) {
            return "(invalid)";
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

    /** Number of logins sessions hold now (for tests and status). */
    int liveLogins() {
        return live.size();
    }

    @Override
    public void changed(String topic, String key) {
        if (!ACCOUNT.equals(topic)) {
            return;
        }
        accountChanges.incrementAndGet();
        if (live.watches(key)) {
            live.revalidate(key);
        }
    }

    @Override
    public void resync() {
        accountChanges.incrementAndGet();
        live.revalidateAll();
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
        if (!verifier.passwordStamp(login.accountId()).equals(login.passwordStamp())) {
            return false;
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
        AppPasswordKey k = key;
        char[] secret = AppPasswordSecrets.generate();
        char[] normalized = AppPasswordSecrets.normalize(secret);
        String hash;
        try {
            hash = k.hash(normalized);
        } finally {
            clear(normalized);
        }
        AppPasswordRecord record = new AppPasswordRecord(newId(), account.id(), n, hash, k.id(),
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
            live.revalidate(accountId);
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
        // Control characters, unpaired surrogates (PostgreSQL would store '?', and the name
        // would then never match again) and format characters such as bidi overrides (a name
        // that displays as another).
        if (n.codePoints().anyMatch(c -> Character.isISOControl(c) || Character.isSurrogate((char) c) && c <= 0xFFFF
                || Character.getType(c) == Character.FORMAT || c == '\u2028' || c == '\u2029')) {
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
