package org.postern.auth.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.account.AccountException;
import org.postern.api.account.AccountStatus;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;
import org.postern.core.auth.AppPassword;
import org.postern.core.auth.NewAppPassword;

/**
 * DESIGN section 5 against the authenticator: every refusal is the same empty answer, and what a
 * user and an attacker each can do. The itests run the same matrix through the protocols.
 */
class AuthServiceTest {
    private static final String ALICE = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    private static final String BOB = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
    private static final String ALICE_PASSWORD = "alice's account password";

    @TempDir
    Path data;

    private final FailureLimiterTest.MutableClock clock = new FailureLimiterTest.MutableClock();
    private Fakes.Accounts accounts;
    private Fakes.AppPasswordRows rows;
    private AuthService auth;
    private InetAddress home;
    private InetAddress elsewhere;

    @BeforeEach
    void start() throws Exception {
        home = InetAddress.getByName("192.0.2.10");
        elsewhere = InetAddress.getByName("198.51.100.20");
        start(Map.of());
    }

    private void start(Map<String, Object> config) {
        if (auth != null) {
            auth.deactivate();
        }
        accounts = new Fakes.Accounts();
        accounts.add(ALICE, "alice@example.net", ALICE_PASSWORD);
        accounts.add(BOB, "bob@example.net", "bob's account password");
        rows = new Fakes.AppPasswordRows(accounts);
        Map<String, Object> c = new HashMap<>(config);
        c.putIfAbsent("app_password_key_file", data.resolve("auth/app-password.key").toString());
        auth = new AuthService(accounts, accounts, rows, Configs.auth(c), clock);
        accounts.announce = auth::changed;
    }

    @AfterEach
    void stop() {
        auth.deactivate();
    }

    private Optional<Login> login(Protocol p, String user, String secret, InetAddress from) throws Exception {
        return auth.login(p, user, secret.toCharArray(), from).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private String create(String account, String name, Set<Protocol> protocols, List<String> nets, LocalDate expires) {
        NewAppPassword p = auth.create(account, name, protocols, nets, expires);
        return new String(p.secret());
    }

    @Test
    void anAppPasswordOpensItsProtocolsOnlyAndIgnoresSeparatorsAndCase() throws Exception {
        String secret = create(ALICE, "laptop", Set.of(Protocol.IMAP, Protocol.SMTP), List.of(), null);
        Login l = login(Protocol.IMAP, "alice@example.net", secret, home).orElseThrow();
        assertEquals(ALICE, l.accountId());
        assertEquals("alice@example.net", l.address().toString());
        assertTrue(login(Protocol.SMTP, "Alice@Example.NET", secret.toUpperCase().replace("-", " "), home).isPresent());
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret.replace("-", ""), home).isPresent());
        assertTrue(login(Protocol.POP3, "alice@example.net", secret, home).isEmpty(), "not in its scope");
        assertTrue(login(Protocol.DAV, "alice@example.net", secret, home).isEmpty());
        assertTrue(login(Protocol.WEBMAIL, "alice@example.net", secret, home).isEmpty(), "never the webmail");
        assertTrue(login(Protocol.IMAP, "bob@example.net", secret, home).isEmpty(), "only for its own account");
    }

    @Test
    void networksAndExpiryAreEnforced() throws Exception {
        String secret = create(ALICE, "office", Set.of(Protocol.IMAP), List.of("192.0.2.0/24", "2001:db8::/32"),
                LocalDate.of(2026, 12, 31));
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, home).isPresent());
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, InetAddress.getByName("2001:db8::5")).isPresent());
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, elsewhere).isEmpty());
        clock.advance(Duration.ofDays(29)); // 2026-12-31: its last day
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, home).isPresent());
        clock.advance(Duration.ofDays(1));
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, home).isEmpty(), "expired");
    }

    @Test
    void bridgeModeEndsWithTheFirstAppPasswordAndTheWebmailKeepsTheAccountPassword() throws Exception {
        Login bridged = login(Protocol.IMAP, "alice@example.net", ALICE_PASSWORD, home).orElseThrow();
        assertTrue(login(Protocol.POP3, "alice@example.net", ALICE_PASSWORD, home).isPresent());
        CountDownLatch ended = new CountDownLatch(1);
        bridged.onRevoked(ended::countDown);
        create(ALICE, "phone", Set.of(Protocol.IMAP), List.of(), null);
        assertTrue(ended.await(30, TimeUnit.SECONDS), "the bridge-mode session ends with bridge mode");
        assertTrue(login(Protocol.IMAP, "alice@example.net", ALICE_PASSWORD, home).isEmpty());
        assertTrue(login(Protocol.SMTP, "alice@example.net", ALICE_PASSWORD, home).isEmpty());
        assertTrue(login(Protocol.WEBMAIL, "alice@example.net", ALICE_PASSWORD, home).isPresent());
        assertTrue(login(Protocol.IMAP, "bob@example.net", "bob's account password", home).isPresent(),
                "bob has no app password yet");
    }

    @Test
    void afterTheCutoverAccountPasswordsOpenOnlyTheWebmail() throws Exception {
        start(Map.of("cutover", "2026-12-03"));
        assertTrue(login(Protocol.IMAP, "bob@example.net", "bob's account password", home).isPresent());
        clock.advance(Duration.ofDays(1));
        assertTrue(login(Protocol.IMAP, "bob@example.net", "bob's account password", home).isEmpty());
        assertTrue(login(Protocol.DAV, "bob@example.net", "bob's account password", home).isEmpty());
        assertTrue(login(Protocol.WEBMAIL, "bob@example.net", "bob's account password", home).isPresent());
        String secret = create(BOB, "phone", Set.of(Protocol.IMAP), List.of(), null);
        assertTrue(login(Protocol.IMAP, "bob@example.net", secret, home).isPresent());
        assertThrows(IllegalArgumentException.class, () -> AuthService.parseCutover("next tuesday"));
    }

    @Test
    void deletingAnAppPasswordEndsItsSessionsAndItsNextLogin() throws Exception {
        String secret = create(ALICE, "laptop", Set.of(Protocol.IMAP), List.of(), null);
        String other = create(ALICE, "phone", Set.of(Protocol.IMAP), List.of(), null);
        Login laptop = login(Protocol.IMAP, "alice@example.net", secret, home).orElseThrow();
        Login phone = login(Protocol.IMAP, "alice@example.net", other, home).orElseThrow();
        CountDownLatch ended = new CountDownLatch(1);
        laptop.onRevoked(ended::countDown);
        assertTrue(auth.delete(ALICE, "laptop"));
        assertTrue(ended.await(30, TimeUnit.SECONDS));
        assertTrue(laptop.isRevoked());
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, home).isEmpty());
        assertFalse(phone.isRevoked(), "the other device keeps its session");
        assertFalse(auth.delete(ALICE, "laptop"));
    }

    @Test
    void lockingOrRemovingAnAccountEndsItsSessionsAndRefusesItsLogins() throws Exception {
        String secret = create(ALICE, "laptop", Set.of(Protocol.IMAP), List.of(), null);
        Login session = login(Protocol.IMAP, "alice@example.net", secret, home).orElseThrow();
        Login webmail = login(Protocol.WEBMAIL, "alice@example.net", ALICE_PASSWORD, home).orElseThrow();
        CountDownLatch ended = new CountDownLatch(2);
        session.onRevoked(ended::countDown);
        webmail.onRevoked(ended::countDown);
        accounts.lock("alice@example.net");
        assertTrue(ended.await(30, TimeUnit.SECONDS));
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, home).isEmpty());
        assertTrue(login(Protocol.WEBMAIL, "alice@example.net", ALICE_PASSWORD, home).isEmpty());
        accounts.unlock("alice@example.net");
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, home).isPresent());
        accounts.setStatus(ALICE, AccountStatus.REMOVED);
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, home).isEmpty());
    }

    @Test
    void aClosedLoginIsForgottenAndAnActionAddedAfterRevocationRunsAtOnce() throws Exception {
        String secret = create(ALICE, "laptop", Set.of(Protocol.IMAP), List.of(), null);
        Login a = login(Protocol.IMAP, "alice@example.net", secret, home).orElseThrow();
        Login b = login(Protocol.IMAP, "alice@example.net", secret, home).orElseThrow();
        assertEquals(2, auth.liveLogins());
        a.close();
        a.close();
        assertEquals(1, auth.liveLogins());
        auth.delete(ALICE, "laptop");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!b.isRevoked() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(b.isRevoked());
        CountDownLatch ran = new CountDownLatch(1);
        b.onRevoked(ran::countDown);
        assertEquals(0, ran.getCount());
        assertFalse(a.isRevoked(), "a closed login is not revoked: nobody listens any more");
        assertEquals(0, auth.liveLogins());
    }

    @Test
    void tenFailuresFromOneAddressRefuseEvenTheRightPasswordThereButNotElsewhere() throws Exception {
        start(Map.of("account_delay_after", 1000)); // delays have a test of their own
        String secret = create(ALICE, "laptop", Set.of(Protocol.IMAP), List.of(), null);
        for (int i = 0; i < 10; i++) {
            assertTrue(login(Protocol.IMAP, "alice@example.net", "wrong-" + i, home).isEmpty());
        }
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, home).isEmpty(), "blocked: the right one fails too");
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, elsewhere).isPresent(), "the user elsewhere is not locked out");
        clock.advance(Duration.ofMinutes(15));
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, home).isPresent(), "the block ends");
    }

    @Test
    void anAddressFailingAcrossManyAccountsIsBlockedForEveryAccount() throws Exception {
        start(Map.of("failures_per_address", 20, "account_delay_after", 1000));
        String secret = create(BOB, "laptop", Set.of(Protocol.IMAP), List.of(), null);
        for (int i = 0; i < 20; i++) {
            assertTrue(login(Protocol.IMAP, "user" + i + "@example.net", "guess", elsewhere).isEmpty());
        }
        assertTrue(login(Protocol.IMAP, "bob@example.net", secret, elsewhere).isEmpty());
        assertTrue(login(Protocol.IMAP, "bob@example.net", secret, home).isPresent());
    }

    @Test
    void failuresFromManyAddressesOnlySlowAnAccountDown() throws Exception {
        start(Map.of("account_delay_after", 3, "account_delay_max_seconds", 1));
        String secret = create(ALICE, "laptop", Set.of(Protocol.IMAP), List.of(), null);
        for (int i = 0; i < 6; i++) {
            InetAddress attacker = InetAddress.getByName("203.0.113." + (i + 1));
            assertTrue(login(Protocol.IMAP, "alice@example.net", "guess" + i, attacker).isEmpty());
        }
        long began = System.nanoTime();
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, home).isPresent(), "never locked");
        assertTrue(System.nanoTime() - began >= TimeUnit.MILLISECONDS.toNanos(900), "but delayed");
    }

    @Test
    void everyRefusalIsTheSameEmptyAnswer() throws Exception {
        create(ALICE, "laptop", Set.of(Protocol.IMAP), List.of("192.0.2.0/24"), null);
        assertEquals(Optional.empty(), login(Protocol.IMAP, "nobody@example.net", "abcde-fghij-klmno-pqrst-uvwxy", home));
        assertEquals(Optional.empty(), login(Protocol.IMAP, "not an address", "x", home));
        assertEquals(Optional.empty(), login(Protocol.IMAP, "a".repeat(10_000), "x", home));
        assertEquals(Optional.empty(), login(Protocol.IMAP, "alice@example.net", "", home));
        assertEquals(Optional.empty(), login(Protocol.IMAP, "alice@example.net", ALICE_PASSWORD, home));
    }

    @Test
    void secretsAreClearedOnceDecided() throws Exception {
        String secret = create(ALICE, "laptop", Set.of(Protocol.IMAP), List.of(), null);
        char[] typed = secret.toCharArray();
        assertTrue(auth.login(Protocol.IMAP, "alice@example.net", typed, home).toCompletableFuture().get(30, TimeUnit.SECONDS)
                .isPresent());
        for (char c : typed) {
            assertEquals('\0', c);
        }
        char[] wrong = "wrong".toCharArray();
        auth.login(Protocol.IMAP, "alice@example.net", wrong, home).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals("\0\0\0\0\0", new String(wrong));
    }

    @Test
    void appPasswordsAreListedWithoutSecretsAndValidated() throws Exception {
        String secret = create(ALICE, "laptop", Set.of(Protocol.IMAP, Protocol.DAV), List.of("192.0.2.7/24"),
                LocalDate.of(2027, 1, 1));
        List<AppPassword> list = auth.list(ALICE);
        assertEquals(1, list.size());
        assertEquals("laptop", list.get(0).name());
        assertEquals(List.of("192.0.2.0/24"), list.get(0).networks());
        assertEquals(null, list.get(0).lastUsed());
        assertFalse(list.toString().contains(secret));
        login(Protocol.IMAP, "alice@example.net", secret, home).orElseThrow();
        assertEquals(clock.instant(), auth.list(ALICE).get(0).lastUsed());
        assertTrue(rows.rows.values().stream().noneMatch(r -> r.secretHash().contains(secret.replace("-", ""))));

        assertEquals(AccountException.Reason.DUPLICATE,
                assertThrows(AccountException.class, () -> create(ALICE, "laptop", Set.of(Protocol.IMAP), List.of(), null)).reason());
        assertThrows(AccountException.class, () -> create(ALICE, "", Set.of(Protocol.IMAP), List.of(), null));
        assertThrows(AccountException.class, () -> create(ALICE, "x".repeat(65), Set.of(Protocol.IMAP), List.of(), null));
        assertThrows(AccountException.class, () -> create(ALICE, "bell\u0007", Set.of(Protocol.IMAP), List.of(), null));
        assertThrows(AccountException.class, () -> create(ALICE, "w", Set.of(), List.of(), null));
        assertThrows(AccountException.class, () -> create(ALICE, "w", Set.of(Protocol.WEBMAIL), List.of(), null));
        assertThrows(AccountException.class, () -> create(ALICE, "w", Set.of(Protocol.IMAP), List.of("example.com"), null));
        assertThrows(AccountException.class, () -> create(ALICE, "w", Set.of(Protocol.IMAP), List.of(), LocalDate.of(2026, 12, 1)));
        assertThrows(AccountException.class, () -> create("c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", "w", Set.of(Protocol.IMAP), List.of(), null));
        assertEquals(1, auth.list(ALICE).size());
    }

    @Test
    void anAppPasswordMadeOnOneNodeWorksOnAnotherWithTheSameKeyFile() throws Exception {
        String secret = create(ALICE, "laptop", Set.of(Protocol.IMAP), List.of(), null);
        AuthService second = new AuthService(accounts, accounts, rows,
                Configs.auth(Map.of("app_password_key_file", data.resolve("auth/app-password.key").toString())), clock);
        AuthService wrongKey = new AuthService(accounts, accounts, rows,
                Configs.auth(Map.of("app_password_key_file", data.resolve("other.key").toString())), clock);
        try {
            assertTrue(second.login(Protocol.IMAP, "alice@example.net", secret.toCharArray(), home).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS).isPresent());
            assertTrue(wrongKey.login(Protocol.IMAP, "alice@example.net", secret.toCharArray(), home).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS).isEmpty());
        } finally {
            second.deactivate();
            wrongKey.deactivate();
        }
    }

    @Test
    public void spellingsOfOneAddressShareTheirLimits() throws Exception {
        start(Map.of("account_delay_after", 1000));
        String secret = create(ALICE, "laptop", Set.of(Protocol.IMAP), List.of(), null);
        String[] spellings = {"alice@example.net", "ALICE@EXAMPLE.NET", "alice@example.net.", "Alice@Example.Net",
            "alice@EXAMPLE.net", "alice@example.NET", "aLiCe@example.net", "alice@eXample.net", "alice@exAmple.net",
            "alice@examPle.net"};
        for (String spelling : spellings) {
            assertTrue(login(Protocol.IMAP, spelling, "wrong", home).isEmpty());
        }
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, home).isEmpty(), "ten failures, however spelt");
        assertTrue(login(Protocol.IMAP, "alice@example.net", secret, elsewhere).isPresent());
    }

    @Test
    public void aPasswordChangeEndsTheSessionsOpenedWithTheOldPassword() throws Exception {
        Login webmail = login(Protocol.WEBMAIL, "alice@example.net", ALICE_PASSWORD, home).orElseThrow();
        Login bridged = login(Protocol.IMAP, "alice@example.net", ALICE_PASSWORD, home).orElseThrow();
        String secret = create(BOB, "laptop", Set.of(Protocol.IMAP), List.of(), null);
        Login bobs = login(Protocol.IMAP, "bob@example.net", secret, home).orElseThrow();
        accounts.setPassword("alice@example.net", "a new password for alice".toCharArray());
        awaitRevoked(webmail);
        awaitRevoked(bridged);
        assertFalse(bobs.isRevoked());
        assertTrue(login(Protocol.WEBMAIL, "alice@example.net", "a new password for alice", home).isPresent());
    }

    private static void awaitRevoked(Login l) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!l.isRevoked() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(l.isRevoked(), "revoked");
    }

    @Test
    public void loginsOpenedAndClosedConcurrentlyAreAllStillRevokedWhenTheAccountLocks() throws Exception {
        String secret = create(ALICE, "laptop", Set.of(Protocol.IMAP), List.of(), null);
        List<Login> kept = new java.util.concurrent.CopyOnWriteArrayList<>();
        Runnable churn = () -> {
            try {
                for (int i = 0; i < 300; i++) {
                    Login l = login(Protocol.IMAP, "alice@example.net", secret, home).orElseThrow();
                    if (i % 10 == 0) {
                        kept.add(l);
                    } else {
                        l.close();
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        Thread a = new Thread(churn);
        Thread b = new Thread(churn);
        a.start();
        b.start();
        a.join();
        b.join();
        assertEquals(kept.size(), auth.liveLogins());
        accounts.lock("alice@example.net");
        for (Login l : kept) {
            awaitRevoked(l);
        }
        assertEquals(0, auth.liveLogins());
    }

    @Test
    public void theSecretIsClearedBeforeTheAnswerArrives() throws Exception {
        String secret = create(ALICE, "laptop", Set.of(Protocol.IMAP), List.of(), null);
        char[] typed = secret.toCharArray();
        String seen = auth.login(Protocol.IMAP, "alice@example.net", typed, home).toCompletableFuture()
                .thenApply(l -> new String(typed)).get(30, TimeUnit.SECONDS);
        assertEquals("\0".repeat(typed.length), seen);
    }

    @Test
    public void stoppingFailsWaitingAttemptsAsTemporaryAndClearsTheirSecrets() throws Exception {
        start(Map.of("account_delay_after", 1, "account_delay_max_seconds", 16));
        assertTrue(login(Protocol.IMAP, "alice@example.net", "wrong", elsewhere).isEmpty());
        char[] typed = ALICE_PASSWORD.toCharArray();
        java.util.concurrent.CompletableFuture<Optional<Login>> waiting =
                auth.login(Protocol.IMAP, "alice@example.net", typed, elsewhere).toCompletableFuture();
        Thread.sleep(200);
        assertFalse(waiting.isDone(), "delayed: the account has a failure");
        auth.deactivate();
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> waiting.get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof org.postern.api.auth.AuthUnavailableException);
        assertEquals("\0".repeat(typed.length), new String(typed));
    }

    @Test
    public void namesThatDisplayAsOthersAreRefused() {
        assertThrows(AccountException.class, () -> create(ALICE, "\u202Eenotsilb", Set.of(Protocol.IMAP), List.of(), null));
        assertThrows(AccountException.class, () -> create(ALICE, "half \uD800", Set.of(Protocol.IMAP), List.of(), null));
        create(ALICE, "Téléphone 📱", Set.of(Protocol.IMAP), List.of(), null);
    }
}
