package org.postern.accounts.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.postern.api.account.Account;
import org.postern.api.account.AccountException;
import org.postern.api.account.AccountException.Reason;
import org.postern.api.account.AccountLifecycleListener;
import org.postern.api.account.AccountStatus;
import org.postern.api.account.OwnedDomain;
import org.postern.api.account.Resolution;
import org.postern.api.address.MailAddress;
import org.postern.core.store.AccountRecord;

class AccountManagerTest {
    private static final int MIN_LENGTH = 12;
    private static final int INITIAL_DAYS = 30;
    /** 2024 is a leap year: 30 days after 28 February is 29 March. */
    private static final Instant NOW = Instant.parse("2024-02-28T23:30:00Z");
    private static final String PASSWORD = "correct horse battery";

    private InMemoryDomainRepository domains;
    private InMemoryAccountRepository accounts;
    private AccountManager manager;

    @BeforeEach
    void setUp() {
        domains = new InMemoryDomainRepository();
        accounts = new InMemoryAccountRepository(domains);
        manager = newManager(accounts);
        manager.addServiceDomain("example.net");
        manager.addServiceDomain("example.org");
    }

    private AccountManager newManager(InMemoryAccountRepository repo) {
        return new AccountManager(repo, domains, new Argon2idHasher(64, 1, 1), MIN_LENGTH, INITIAL_DAYS,
                Clock.fixed(NOW, ZoneOffset.UTC), listening());
    }

    /** A resolution cache that hears the in-memory repositories' changes, as the store's listeners do. */
    private ResolutionCache listening() {
        ResolutionCache cache = new ResolutionCache();
        domains.listeners.add(cache);
        return cache;
    }

    private Account create(String address) {
        return manager.create(address, PASSWORD.toCharArray(), null);
    }

    private static void assertRefused(Reason reason, Executable action) {
        AccountException e = assertThrows(AccountException.class, action);
        assertEquals(reason, e.reason(), e.getMessage());
    }

    // ---- create ----

    @Test
    void createNormalisesTheAddressAndStartsActive() {
        Account a = manager.create("Alice@Example.NET.", PASSWORD.toCharArray(), null);
        assertEquals(MailAddress.parse("alice@example.net"), a.address());
        assertEquals(AccountStatus.ACTIVE, a.status());
        assertEquals(NOW, a.created());
        assertTrue(a.id().matches("[0-9a-f]{32}"), a.id());
        assertEquals(Optional.of(a), manager.find("alice@example.net"));
        assertEquals(a.address(), manager.get(a.id()).orElseThrow().address());
    }

    @Test
    void idsAreDistinct() {
        assertNotEquals(create("alice@example.net").id(), create("bob@example.net").id());
    }

    @Test
    void expiryDefaultsToTheInitialPeriod() {
        assertEquals(LocalDate.of(2024, 3, 29), create("alice@example.net").expires());
    }

    @Test
    void explicitExpiryIsKept() {
        Account a = manager.create("alice@example.net", PASSWORD.toCharArray(), LocalDate.of(2025, 1, 1));
        assertEquals(LocalDate.of(2025, 1, 1), a.expires());
        assertEquals(LocalDate.of(2025, 1, 1), manager.find("alice@example.net").orElseThrow().expires());
    }

    @Test
    void storesOnlyAnArgon2idHash() {
        Account a = create("alice@example.net");
        String stored = accounts.byId(a.id()).orElseThrow().passwordHash();
        assertTrue(stored.startsWith("$argon2id$"), stored);
        assertFalse(stored.contains(PASSWORD));
    }

    @Test
    void createNeedsAServiceDomain() {
        assertRefused(Reason.UNKNOWN_DOMAIN, () -> create("alice@elsewhere.example"));
        assertRefused(Reason.UNKNOWN_DOMAIN, () -> create("alice@sub.example.net"));
        assertTrue(manager.list().isEmpty());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"alice", "al ice@example.net", "alice@", "alice@example..net", "\u00e4lice@example.net"})
    void createRefusesInvalidAddresses(String address) {
        assertRefused(Reason.INVALID_ADDRESS, () -> create(address));
    }

    @Test
    void createRefusesShortPasswords() {
        assertRefused(Reason.WEAK_PASSWORD,
                () -> manager.create("alice@example.net", "x".repeat(MIN_LENGTH - 1).toCharArray(), null));
        assertRefused(Reason.WEAK_PASSWORD, () -> manager.create("alice@example.net", null, null));
        assertTrue(manager.find("alice@example.net").isEmpty());
        Account a = manager.create("alice@example.net", "x".repeat(MIN_LENGTH).toCharArray(), null);
        assertTrue(manager.verifyPassword(a.id(), "x".repeat(MIN_LENGTH).toCharArray()));
    }

    @Test
    void createRefusesBlankPasswords() {
        assertRefused(Reason.WEAK_PASSWORD,
                () -> manager.create("alice@example.net", " ".repeat(MIN_LENGTH + 4).toCharArray(), null));
    }

    @Test
    void createRefusesAnExistingAddressInAnySpelling() {
        create("alice@example.net");
        assertRefused(Reason.DUPLICATE, () -> create("alice@example.net"));
        assertRefused(Reason.DUPLICATE, () -> create("<ALICE@example.NET.>"));
        assertEquals(1, manager.list().size());
    }

    @Test
    void removedAddressIsNeverIssuedAgain() {
        create("alice@example.net");
        manager.remove("alice@example.net");
        AccountException e = assertThrows(AccountException.class, () -> create("alice@example.net"));
        assertEquals(Reason.DUPLICATE, e.reason());
        assertTrue(e.getMessage().contains("removed"), e.getMessage());
    }

    @Test
    void duplicateFromTheStoreBecomesDuplicateRefusal() {
        // Another node created the address between the check and the insert.
        InMemoryAccountRepository racing = new InMemoryAccountRepository(domains) {
            private boolean hidden;

            @Override
            public synchronized Optional<AccountRecord> byAddress(MailAddress address) {
                if (!hidden) {
                    hidden = true;
                    return Optional.empty();
                }
                return super.byAddress(address);
            }
        };
        racing.insert(new AccountRecord("ffffffffffffffffffffffffffffffff", MailAddress.parse("alice@example.net"),
                AccountStatus.ACTIVE, "h", NOW, null));
        AccountManager m = newManager(racing);
        assertRefused(Reason.DUPLICATE, () -> m.create("alice@example.net", PASSWORD.toCharArray(), null));
    }

    @Test
    void passwordIsZeroedAfterCreate() {
        char[] password = PASSWORD.toCharArray();
        manager.create("alice@example.net", password, null);
        assertArrayEquals(new char[PASSWORD.length()], password);
    }

    @Test
    void passwordIsZeroedWhenCreateIsRefused() {
        char[] password = PASSWORD.toCharArray();
        assertThrows(AccountException.class, () -> manager.create("alice@elsewhere.example", password, null));
        assertArrayEquals(new char[PASSWORD.length()], password);

        char[] shortOne = "short".toCharArray();
        assertThrows(AccountException.class, () -> manager.create("alice@example.net", shortOne, null));
        assertArrayEquals(new char[5], shortOne);
    }

    @Test
    void listIsOrderedByAddressAndIncludesRemoved() {
        create("zed@example.net");
        create("amy@example.org");
        create("bob@example.net");
        manager.remove("bob@example.net");
        List<String> listed = manager.list().stream().map(a -> a.address() + " " + a.status()).toList();
        assertEquals(List.of("bob@example.net REMOVED", "zed@example.net ACTIVE", "amy@example.org ACTIVE"), listed);
    }

    // ---- passwords ----

    @Test
    void verifyPasswordAcceptsOnlyTheRightPassword() {
        Account a = create("alice@example.net");
        assertTrue(manager.verifyPassword(a.id(), PASSWORD.toCharArray()));
        assertFalse(manager.verifyPassword(a.id(), (PASSWORD + "!").toCharArray()));
        assertFalse(manager.verifyPassword(a.id(), new char[0]));
    }

    @Test
    void verifyPasswordZeroesThePassword() {
        Account a = create("alice@example.net");
        char[] attempt = PASSWORD.toCharArray();
        manager.verifyPassword(a.id(), attempt);
        assertArrayEquals(new char[PASSWORD.length()], attempt);
    }

    @Test
    void lockedAccountCannotLogIn() {
        Account a = create("alice@example.net");
        accounts.updateStatus(a.id(), AccountStatus.LOCKED);
        assertFalse(manager.verifyPassword(a.id(), PASSWORD.toCharArray()));
        // only the webmail's question "is this the locked account's password?" is answered
        assertTrue(manager.verifyLockedPassword(a.id(), PASSWORD.toCharArray()));
        assertFalse(manager.verifyLockedPassword(a.id(), "wrong password".toCharArray()));
        accounts.updateStatus(a.id(), AccountStatus.ACTIVE);
        assertTrue(manager.verifyPassword(a.id(), PASSWORD.toCharArray()));
        assertFalse(manager.verifyLockedPassword(a.id(), PASSWORD.toCharArray()), "an active account is not locked");
    }

    @Test
    void removedAccountCannotLogIn() {
        Account a = create("alice@example.net");
        manager.remove("alice@example.net");
        assertFalse(manager.verifyPassword(a.id(), PASSWORD.toCharArray()));
    }

    @Test
    void unknownAccountCannotLogIn() {
        assertFalse(manager.verifyPassword("0123456789abcdef0123456789abcdef", PASSWORD.toCharArray()));
        assertFalse(manager.verifyPassword(null, PASSWORD.toCharArray()));
    }

    @Test
    void setPasswordReplacesTheOldOne() {
        Account a = create("alice@example.net");
        char[] fresh = "a whole new passphrase".toCharArray();
        manager.setPassword("ALICE@example.net", fresh);
        assertArrayEquals(new char["a whole new passphrase".length()], fresh, "zeroed");
        assertTrue(manager.verifyPassword(a.id(), "a whole new passphrase".toCharArray()));
        assertFalse(manager.verifyPassword(a.id(), PASSWORD.toCharArray()));
    }

    @Test
    void setPasswordRefusesWeakPasswordsAndKeepsTheOldOne() {
        Account a = create("alice@example.net");
        assertRefused(Reason.WEAK_PASSWORD, () -> manager.setPassword("alice@example.net", "short".toCharArray()));
        assertTrue(manager.verifyPassword(a.id(), PASSWORD.toCharArray()));
    }

    @Test
    void setPasswordOfUnknownOrRemovedAccountIsRefused() {
        assertRefused(Reason.UNKNOWN_ACCOUNT, () -> manager.setPassword("nobody@example.net", PASSWORD.toCharArray()));
        create("alice@example.net");
        manager.remove("alice@example.net");
        assertRefused(Reason.UNKNOWN_ACCOUNT, () -> manager.setPassword("alice@example.net", PASSWORD.toCharArray()));
    }

    // ---- password hygiene (issue 6, item 9) ----

    private String storedHash(Account a) {
        return accounts.byId(a.id()).orElseThrow().passwordHash();
    }

    private AccountManager managerWith(Argon2idHasher hasher, InMemoryAccountRepository repo) {
        return new AccountManager(repo, domains, hasher, MIN_LENGTH, INITIAL_DAYS, Clock.fixed(NOW, ZoneOffset.UTC),
                listening());
    }

    @Test
    void successfulLoginWithOutdatedParametersStoresAHashWithTheCurrentOnes() {
        Account a = create("alice@example.net");
        assertTrue(storedHash(a).startsWith("$argon2id$v=19$m=64,t=1,p=1$"), storedHash(a));
        // the operator raised the cost: the component was reactivated with a new hasher
        AccountManager raised = managerWith(new Argon2idHasher(128, 2, 1), accounts);
        assertTrue(raised.verifyPassword(a.id(), PASSWORD.toCharArray()));
        String upgraded = storedHash(a);
        assertTrue(upgraded.startsWith("$argon2id$v=19$m=128,t=2,p=1$"), upgraded);
        assertEquals(raised.hasher().decoyParameters(), raised.hasher().parameters(), "decoy costs what accounts cost");
        assertTrue(raised.verifyPassword(a.id(), PASSWORD.toCharArray()));
        assertEquals(upgraded, storedHash(a), "a current hash is not rewritten");
        assertFalse(raised.verifyPassword(a.id(), "not the password".toCharArray()));
    }

    @Test
    void failedLoginWithOutdatedParametersChangesNothing() {
        Account a = create("alice@example.net");
        String old = storedHash(a);
        AccountManager raised = managerWith(new Argon2idHasher(128, 2, 1), accounts);
        assertFalse(raised.verifyPassword(a.id(), "not the password".toCharArray()));
        assertEquals(old, storedHash(a));
    }

    @Test
    void upgradeDoesNotUndoAPasswordChangeMadeDuringTheLogin() {
        Account a = create("alice@example.net");
        InMemoryAccountRepository changing = new InMemoryAccountRepository(domains) {
            private int reads;

            @Override
            public synchronized Optional<AccountRecord> byId(String id) {
                Optional<AccountRecord> r = accounts.byId(id);
                if (++reads == 2) {
                    // the operator sets a new password between the verification and the upgrade
                    accounts.updatePasswordHash(id, new Argon2idHasher(64, 1, 1).hash("a brand new passphrase".toCharArray()));
                    return accounts.byId(id);
                }
                return r;
            }

            @Override
            public synchronized boolean updatePasswordHash(String id, String passwordHash) {
                return accounts.updatePasswordHash(id, passwordHash);
            }
        };
        AccountManager raised = managerWith(new Argon2idHasher(128, 2, 1), changing);
        assertTrue(raised.verifyPassword(a.id(), PASSWORD.toCharArray()));
        assertTrue(manager.verifyPassword(a.id(), "a brand new passphrase".toCharArray()), "new password kept");
        assertFalse(manager.verifyPassword(a.id(), PASSWORD.toCharArray()));
    }

    @Test
    void decomposedPasswordLogsIntoAnAccountSetPrecomposed() {
        Account a = manager.create("alice@example.net", "m\u00f6tley cr\u00fce forever".toCharArray(), null);
        assertTrue(manager.verifyPassword(a.id(), "mo\u0308tley cru\u0308e forever".toCharArray()));
    }

    @Test
    void unreadableStoredHashIsRefusedAndReportedOncePerAccountWithoutTheHash() {
        List<String> warned = new ArrayList<>();
        manager.warnings = warned::add;
        Account a = create("alice@example.net");
        Account b = create("bob@example.net");
        String damaged = storedHash(a).substring(0, storedHash(a).length() - 20) + "!!";
        accounts.updatePasswordHash(a.id(), damaged);
        assertFalse(manager.verifyPassword(a.id(), PASSWORD.toCharArray()));
        assertFalse(manager.verifyPassword(a.id(), PASSWORD.toCharArray()));
        assertEquals(1, warned.size(), warned.toString());
        assertTrue(warned.get(0).contains("alice@example.net"), warned.get(0));
        assertFalse(warned.get(0).contains(damaged.substring(30)), "never the hash itself");

        // an ACTIVE account without any hash is damage too
        accounts.updatePasswordHash(b.id(), null);
        assertFalse(manager.verifyPassword(b.id(), PASSWORD.toCharArray()));
        assertEquals(2, warned.size(), warned.toString());
        assertTrue(warned.get(1).contains("bob@example.net"), warned.get(1));
    }

    @Test
    void lockedAndUnknownAccountsAreNotReportedAsDamaged() {
        List<String> warned = new ArrayList<>();
        manager.warnings = warned::add;
        Account a = create("alice@example.net");
        accounts.updateStatus(a.id(), AccountStatus.LOCKED);
        assertFalse(manager.verifyPassword(a.id(), PASSWORD.toCharArray()));
        assertFalse(manager.verifyPassword("0123456789abcdef0123456789abcdef", PASSWORD.toCharArray()));
        assertEquals(List.of(), warned);
    }

    @Test
    void busyHashingIsATemporaryFailureAndStillZeroesThePassword() throws Exception {
        Argon2idHasher oneSlot = new Argon2idHasher(64, 1, 1, 1, 10);
        AccountManager busy = managerWith(oneSlot, accounts);
        Account a = busy.create("alice@example.net", PASSWORD.toCharArray(), null);
        oneSlot.slots().acquire();
        try {
            char[] attempt = PASSWORD.toCharArray();
            assertThrows(RejectedExecutionException.class, () -> busy.verifyPassword(a.id(), attempt));
            assertArrayEquals(new char[PASSWORD.length()], attempt);
            assertThrows(RejectedExecutionException.class, () -> busy.verifyPassword(null, PASSWORD.toCharArray()));
        } finally {
            oneSlot.slots().release();
        }
        assertTrue(busy.verifyPassword(a.id(), PASSWORD.toCharArray()));
    }

    @Test
    void blankCheckSeesUnicodeWhitespace() {
        // U+2003 EM SPACE and U+3000 IDEOGRAPHIC SPACE are whitespace, as String.isBlank says
        assertRefused(Reason.WEAK_PASSWORD, () -> manager.create("alice@example.net",
                "\u2003\u3000 \t".repeat(4).toCharArray(), null));
    }

    // ---- configuration ----

    private static AccountsConfig config(Map<String, Object> values) {
        return (AccountsConfig) Proxy.newProxyInstance(AccountsConfig.class.getClassLoader(),
                new Class<?>[] {AccountsConfig.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "annotationType":
                            return AccountsConfig.class;
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        case "toString":
                            return "AccountsConfig" + values;
                        default:
                            return values.containsKey(method.getName()) ? values.get(method.getName())
                                    : method.getDefaultValue();
                    }
                });
    }

    /** Activates the component as DS would: raw properties, and the typed view of them. */
    private AccountManager activate(int memoryKiB, int iterations, int parallelism, Map<String, Object> more) {
        Map<String, Object> typed = new HashMap<>(Map.of("argon2_memory_kib", memoryKiB,
                "argon2_iterations", iterations, "argon2_parallelism", parallelism));
        Map<String, Object> raw = new HashMap<>(Map.of("argon2.memory.kib", String.valueOf(memoryKiB),
                "argon2.iterations", String.valueOf(iterations), "argon2.parallelism", String.valueOf(parallelism)));
        more.forEach((key, value) -> {
            raw.put(key, String.valueOf(value));
            typed.put(key.replace('.', '_'), value);
        });
        return new AccountManager(accounts, domains, listening(), config(typed), raw);
    }

    @ParameterizedTest
    @CsvSource({"64, 1, 1", "19455, 2, 1", "19456, 1, 1", "47103, 1, 1"})
    void configurationBelowTheFloorIsRefused(int memoryKiB, int iterations, int parallelism) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> activate(memoryKiB, iterations, parallelism, Map.of()));
        assertTrue(e.getMessage().contains("org.postern.accounts"), e.getMessage());
        assertTrue(e.getMessage().contains("below the Argon2id floor"), e.getMessage());
    }

    @Test
    void configurationChangeGivesTheDecoyTheNewParameters() {
        AccountManager before = activate(19456, 2, 1, Map.of());
        assertEquals("m=19456,t=2,p=1", before.hasher().decoyParameters());
        // Karaf reactivates the component when etc/org.postern.accounts.cfg changes
        AccountManager after = activate(47104, 1, 1, Map.of());
        assertEquals("m=47104,t=1,p=1", after.hasher().parameters());
        assertEquals("m=47104,t=1,p=1", after.hasher().decoyParameters());
    }

    @Test
    void hashingSlotsDefaultToOnePerProcessorAndCanBeSet() {
        assertEquals(Runtime.getRuntime().availableProcessors(), activate(19456, 2, 1, Map.of()).hasher().concurrency());
        assertEquals(3, activate(19456, 2, 1, Map.of("argon2.concurrency", 3, "argon2.wait.ms", 500))
                .hasher().concurrency());
    }

    @Test
    void nonsenseSlotSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> activate(19456, 2, 1, Map.of("argon2.concurrency", -1)));
        assertThrows(IllegalArgumentException.class, () -> activate(19456, 2, 1, Map.of("argon2.wait.ms", -5)));
    }

    // ---- remove ----

    @Test
    void removeKeepsATombstone() {
        Account a = create("alice@example.net");
        manager.remove("Alice@example.net");
        assertEquals(AccountStatus.REMOVED, manager.find("alice@example.net").orElseThrow().status());
        assertEquals(AccountStatus.REMOVED, manager.get(a.id()).orElseThrow().status());
    }

    @Test
    void removeReleasesOwnedDomains() {
        create("alice@example.net");
        create("bob@example.net");
        manager.addDomain("alice@example.net", "alice-shop.example");
        manager.remove("alice@example.net");
        assertFalse(manager.isHosted("alice-shop.example"));
        assertEquals(OwnedDomain.Kind.CUSTOM, manager.addDomain("bob@example.net", "alice-shop.example").kind());
    }

    @Test
    void removeOfUnknownOrRemovedAccountIsRefused() {
        assertRefused(Reason.UNKNOWN_ACCOUNT, () -> manager.remove("nobody@example.net"));
        create("alice@example.net");
        manager.remove("alice@example.net");
        assertRefused(Reason.UNKNOWN_ACCOUNT, () -> manager.remove("alice@example.net"));
    }

    @Test
    void aRemovalTheStoreCouldNotCommitIsReportedAndNobodyIsTold() {
        // The store deletes the mail (and records the bodies for deletion) in markRemoved's own
        // transaction: if that fails, the operator must see the failure, not "removed".
        InMemoryAccountRepository failing = new InMemoryAccountRepository(domains) {
            @Override
            public synchronized boolean markRemoved(String id) {
                throw new org.postern.core.store.StoreException("database error: disk full", null);
            }
        };
        manager = newManager(failing);
        create("alice@example.net");
        Recorder recorder = new Recorder();
        register(recorder, 0, 1);
        assertThrows(org.postern.core.store.StoreException.class, () -> manager.remove("alice@example.net"));
        assertEquals(AccountStatus.ACTIVE, manager.find("alice@example.net").orElseThrow().status());
        assertEquals(List.of(), recorder.events, "no listener hears of a removal that did not happen");
    }

    // ---- owned domains ----

    @Test
    void serviceDomainCannotBeOwned() {
        create("alice@example.net");
        assertRefused(Reason.NOT_ALLOWED, () -> manager.addDomain("alice@example.net", "example.net"));
        assertRefused(Reason.NOT_ALLOWED, () -> manager.addDomain("alice@example.net", "EXAMPLE.org."));
    }

    @Test
    void aliasSubdomainUnderOwnNamespace() {
        Account alice = create("alice@example.net");
        OwnedDomain shop = manager.addDomain("alice@example.net", "shop.alice.example.net");
        assertEquals("shop.alice.example.net", shop.name());
        assertEquals(OwnedDomain.Kind.ALIAS_SUBDOMAIN, shop.kind());
        assertEquals(alice.id(), shop.accountId());
        OwnedDomain own = manager.addDomain("alice@example.net", "Alice.Example.NET");
        assertEquals("alice.example.net", own.name());
        assertEquals(OwnedDomain.Kind.ALIAS_SUBDOMAIN, own.kind());
        assertEquals(List.of(own, shop), manager.domains(alice.id()));
    }

    @Test
    void nestedServiceDomainsGiveEachAccountItsOwnNamespace() {
        manager.addServiceDomain("mail.example.net");
        create("carol@mail.example.net");
        OwnedDomain d = manager.addDomain("carol@mail.example.net", "shop.carol.mail.example.net");
        assertEquals(OwnedDomain.Kind.ALIAS_SUBDOMAIN, d.kind());
        create("mail@example.net");
        // mail@example.net's namespace mail.example.net is a service domain itself: nothing under it is theirs
        assertRefused(Reason.NOT_ALLOWED, () -> manager.addDomain("mail@example.net", "x.carol.mail.example.net"));
    }

    @Test
    void aliasSubdomainOfSomeoneElsesNamespaceIsRefused() {
        create("alice@example.net");
        create("bob@example.net");
        assertRefused(Reason.NOT_ALLOWED, () -> manager.addDomain("bob@example.net", "shop.alice.example.net"));
        assertRefused(Reason.NOT_ALLOWED, () -> manager.addDomain("bob@example.net", "alice.example.net"));
        // not at a label boundary: "xbob" is not "bob"
        assertRefused(Reason.NOT_ALLOWED, () -> manager.addDomain("bob@example.net", "xbob.example.net"));
        assertRefused(Reason.NOT_ALLOWED, () -> manager.addDomain("bob@example.net", "anything.example.net"));
        // own local part, but under a service domain that is not the account's
        assertRefused(Reason.NOT_ALLOWED, () -> manager.addDomain("bob@example.net", "bob.example.org"));
        assertFalse(manager.isHosted("shop.alice.example.net"));
    }

    @Test
    void customDomainOutsideServiceDomains() {
        Account alice = create("alice@example.net");
        OwnedDomain d = manager.addDomain("alice@example.net", "Alice-Shop.example.");
        assertEquals(new OwnedDomain("alice-shop.example", OwnedDomain.Kind.CUSTOM, alice.id()), d);
        // only a label-boundary match counts as "under": notexample.net is its own domain
        assertEquals(OwnedDomain.Kind.CUSTOM, manager.addDomain("alice@example.net", "notexample.net").kind());
    }

    @Test
    void alreadyOwnedDomainIsDuplicate() {
        create("alice@example.net");
        create("bob@example.net");
        manager.addDomain("alice@example.net", "alice-shop.example");
        assertRefused(Reason.DUPLICATE, () -> manager.addDomain("alice@example.net", "alice-shop.example"));
        assertRefused(Reason.DUPLICATE, () -> manager.addDomain("bob@example.net", "ALICE-SHOP.example"));
        assertEquals(1, manager.domains(manager.find("alice@example.net").orElseThrow().id()).size());
        assertTrue(manager.domains(manager.find("bob@example.net").orElseThrow().id()).isEmpty());
    }

    @Test
    void addDomainRefusesBadInput() {
        create("alice@example.net");
        assertRefused(Reason.INVALID_DOMAIN, () -> manager.addDomain("alice@example.net", "not a domain"));
        assertRefused(Reason.INVALID_DOMAIN, () -> manager.addDomain("alice@example.net", "localhost"));
        assertRefused(Reason.UNKNOWN_ACCOUNT, () -> manager.addDomain("nobody@example.net", "nobody.example"));
        assertRefused(Reason.INVALID_ADDRESS, () -> manager.addDomain("nobody", "nobody.example"));
    }

    @Test
    void removeDomain() {
        create("alice@example.net");
        create("bob@example.net");
        manager.addDomain("alice@example.net", "alice-shop.example");
        assertRefused(Reason.UNKNOWN_DOMAIN, () -> manager.removeDomain("bob@example.net", "alice-shop.example"));
        assertTrue(manager.isHosted("alice-shop.example"));
        assertTrue(manager.resolve("x@alice-shop.example").isPresent(), "resolved, and remembered");
        manager.removeDomain("alice@example.net", "Alice-Shop.example.");
        assertFalse(manager.isHosted("alice-shop.example"));
        assertTrue(manager.resolve("x@alice-shop.example").isEmpty());
        assertRefused(Reason.UNKNOWN_DOMAIN, () -> manager.removeDomain("alice@example.net", "alice-shop.example"));
    }

    // ---- resolution ----

    @Test
    void resolvesPrimaryAddressInAnySpelling() {
        Account alice = create("alice@example.net");
        for (String spelling : List.of("alice@example.net", "ALICE@Example.NET.", "<alice@example.net>")) {
            Resolution r = manager.resolve(spelling).orElseThrow(() -> new AssertionError(spelling));
            assertEquals(Resolution.Kind.PRIMARY, r.kind());
            assertEquals(alice, r.account());
            assertEquals(MailAddress.parse("alice@example.net"), r.address());
        }
    }

    @Test
    void serviceDomainsHaveNoCatchAll() {
        create("alice@example.net");
        assertTrue(manager.resolve("alicia@example.net").isEmpty());
        assertTrue(manager.resolve("alice@example.org").isEmpty());
    }

    @Test
    void anyLocalPartAtAnOwnedDomainResolves() {
        Account alice = create("alice@example.net");
        manager.addDomain("alice@example.net", "alice-shop.example");
        manager.addDomain("alice@example.net", "shop.alice.example.net");
        Resolution r = manager.resolve("Orders+2024@Alice-Shop.example").orElseThrow();
        assertEquals(Resolution.Kind.OWNED_DOMAIN, r.kind());
        assertEquals(alice, r.account());
        assertEquals(MailAddress.parse("orders+2024@alice-shop.example"), r.address());
        assertEquals(alice, manager.resolve("newsletter@shop.alice.example.net").orElseThrow().account());
        // a name under an owned domain is not owned
        assertTrue(manager.resolve("x@deeper.alice-shop.example").isEmpty());
    }

    @Test
    void resolvesInternationalisedOwnedDomain() {
        Account alice = create("alice@example.net");
        OwnedDomain d = manager.addDomain("alice@example.net", "bücher.example");
        assertEquals("xn--bcher-kva.example", d.name());
        Resolution r = manager.resolve("x@BÜCHER.example.").orElseThrow();
        assertEquals(Resolution.Kind.OWNED_DOMAIN, r.kind());
        assertEquals(alice, r.account());
        assertEquals("xn--bcher-kva.example", r.address().domain());
        assertTrue(manager.resolve("x@xn--bcher-kva.example").isPresent());
    }

    @Test
    void removedAccountResolvesToNothing() {
        create("alice@example.net");
        assertTrue(manager.resolve("alice@example.net").isPresent(), "resolved, and remembered");
        manager.remove("alice@example.net");
        assertTrue(manager.resolve("alice@example.net").isEmpty());
    }

    @Test
    void removedOwnerOfALeftoverOwnedDomainResolvesToNothing() {
        // Even if a store failed to release the domain, mail must not reach a removed account.
        Account alice = create("alice@example.net");
        manager.addDomain("alice@example.net", "alice-shop.example");
        accounts.updateStatus(alice.id(), AccountStatus.REMOVED);
        assertTrue(manager.resolve("x@alice-shop.example").isEmpty());
    }

    @Test
    void aChangeHeardFromAnotherNodeIsNotHiddenByWhatWasRemembered() {
        Account alice = create("alice@example.net");
        ResolutionCache cache = new ResolutionCache();
        AccountManager other = new AccountManager(accounts, domains, new Argon2idHasher(64, 1, 1), MIN_LENGTH,
                INITIAL_DAYS, Clock.fixed(NOW, ZoneOffset.UTC), cache); // hears nothing by itself
        assertTrue(other.resolve("alice@example.net").isPresent());
        assertEquals(1, cache.size());
        // another node removes the account; the store's feed tells this one
        accounts.markRemoved(alice.id());
        assertTrue(other.resolve("alice@example.net").isPresent(), "not heard yet: what was remembered");
        cache.changed(org.postern.core.store.ChangeListener.ACCOUNT, alice.id());
        assertTrue(other.resolve("alice@example.net").isEmpty());
    }

    @Test
    void nothingIsRememberedWhileTheChangeFeedIsDownNorAnyUnknownAddress() {
        ResolutionCache cache = new ResolutionCache();
        AccountManager other = new AccountManager(accounts, domains, new Argon2idHasher(64, 1, 1), MIN_LENGTH,
                INITIAL_DAYS, Clock.fixed(NOW, ZoneOffset.UTC), cache);
        assertTrue(other.resolve("carol@example.net").isEmpty());
        create("carol@example.net"); // no announcement for a new account
        assertTrue(other.resolve("carol@example.net").isPresent(), "a miss is asked again");
        cache.hearing(false);
        assertEquals(0, cache.size());
        assertTrue(other.resolve("carol@example.net").isPresent());
        assertEquals(0, cache.size(), "the feed is down: read through");
        cache.hearing(true);
        other.resolve("carol@example.net");
        assertEquals(1, cache.size());
    }

    @Test
    void randomLocalPartsAtAnOwnedDomainTakeOneEntryAndUnknownAddressesNone() {
        Account alice = create("alice@example.net");
        manager.addDomain("alice@example.net", "alice-shop.example");
        ResolutionCache cache = new ResolutionCache();
        AccountManager other = new AccountManager(accounts, domains, new Argon2idHasher(64, 1, 1), MIN_LENGTH,
                INITIAL_DAYS, Clock.fixed(NOW, ZoneOffset.UTC), cache);
        for (int i = 0; i < 500; i++) {
            assertEquals(alice, other.resolve("junk" + i + "@alice-shop.example").orElseThrow().account());
            assertTrue(other.resolve("junk" + i + "@example.net").isEmpty());
        }
        assertEquals(MailAddress.parse("junk7@alice-shop.example"),
                other.resolve("Junk7@alice-shop.example").orElseThrow().address(), "the address asked, not a remembered one");
        assertEquals(1, cache.size(), "the owned domain once; nothing for addresses that do not exist");
    }

    @Test
    void lockedAccountStillResolves() {
        Account alice = create("alice@example.net");
        manager.addDomain("alice@example.net", "alice-shop.example");
        assertEquals(AccountStatus.ACTIVE, manager.resolve("alice@example.net").orElseThrow().account().status());
        accounts.updateStatus(alice.id(), AccountStatus.LOCKED);
        Resolution primary = manager.resolve("alice@example.net").orElseThrow();
        assertEquals(AccountStatus.LOCKED, primary.account().status());
        assertTrue(manager.resolve("x@alice-shop.example").isPresent());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"garbage", "@", "a@b", "<>", "alice@@example.net", "x@unrelated.example", "x@example"})
    void garbageResolvesToNothing(String address) {
        create("alice@example.net");
        assertTrue(manager.resolve(address).isEmpty());
    }

    // ---- service domains ----

    @Test
    void isHosted() {
        create("alice@example.net");
        manager.addDomain("alice@example.net", "bücher.example");
        assertTrue(manager.isHosted("example.net"));
        assertTrue(manager.isHosted("EXAMPLE.org."));
        assertTrue(manager.isHosted("xn--bcher-kva.example"));
        assertTrue(manager.isHosted("Bücher.example"));
        assertFalse(manager.isHosted("sub.example.net"));
        assertFalse(manager.isHosted("example.com"));
        assertFalse(manager.isHosted("not a domain"));
        assertFalse(manager.isHosted(null));
    }

    @Test
    void addServiceDomainNormalises() {
        assertEquals("xn--bcher-kva.example", manager.addServiceDomain(" Bücher.Example. "));
        assertTrue(manager.serviceDomains().contains("xn--bcher-kva.example"));
    }

    @Test
    void duplicateServiceDomainIsRefused() {
        assertRefused(Reason.DUPLICATE, () -> manager.addServiceDomain("example.net"));
        assertRefused(Reason.DUPLICATE, () -> manager.addServiceDomain("Example.NET."));
        assertEquals(List.of("example.net", "example.org"), manager.serviceDomains());
    }

    @Test
    void domainOwnedByAnAccountCannotBecomeAServiceDomain() {
        create("alice@example.net");
        manager.addDomain("alice@example.net", "alice-shop.example");
        assertRefused(Reason.DUPLICATE, () -> manager.addServiceDomain("alice-shop.example"));
        assertFalse(manager.serviceDomains().contains("alice-shop.example"));
    }

    @Test
    void invalidServiceDomainIsRefused() {
        assertRefused(Reason.INVALID_DOMAIN, () -> manager.addServiceDomain("localhost"));
        assertRefused(Reason.INVALID_DOMAIN, () -> manager.addServiceDomain("bad domain.example"));
        assertRefused(Reason.INVALID_DOMAIN, () -> manager.addServiceDomain(null));
    }

    // ---- lifecycle listeners ----

    private static final class Recorder implements AccountLifecycleListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void created(Account account) {
            events.add("created " + account.address() + " " + account.status());
        }

        @Override
        public void removed(Account account) {
            events.add("removed " + account.address() + " " + account.status());
        }
    }

    /** What SCR does when a listener is registered: sets a new list with it added. */
    private void register(AccountLifecycleListener listener, Object ranking, long id) {
        Map<String, Object> props = new HashMap<>();
        props.put("service.id", id);
        if (ranking != null) {
            props.put("service.ranking", ranking);
        }
        List<Map.Entry<Map<String, Object>, AccountLifecycleListener>> next = new ArrayList<>(manager.listeners);
        next.add(Map.entry(Map.copyOf(props), listener));
        manager.listeners = List.copyOf(next);
    }

    /** What SCR does when a listener goes: sets a new list without it. */
    private void unregister(AccountLifecycleListener listener) {
        List<Map.Entry<Map<String, Object>, AccountLifecycleListener>> next = new ArrayList<>(manager.listeners);
        next.removeIf(t -> t.getValue() == listener);
        manager.listeners = List.copyOf(next);
    }

    /** Records "name event" into a list shared by several listeners. */
    private static AccountLifecycleListener named(String name, List<String> heard) {
        return new AccountLifecycleListener() {
            @Override
            public void created(Account account) {
                heard.add(name);
            }
        };
    }

    @Test
    void listenersAreToldHighestRankingFirstThenFirstRegistered() {
        List<String> heard = new ArrayList<>();
        // Listed as SCR sorts them (ServiceReference.compareTo, ascending); the manager reverses that.
        register(named("low", heard), 0, 7);
        register(named("tie-later", heard), 5, 9);
        register(named("tie-earlier", heard), 5, 8);
        register(named("high", heard), 10, 11);
        create("alice@example.net");
        assertEquals(List.of("high", "tie-earlier", "tie-later", "low"), heard);
    }

    @Test
    void aMissingOrNonIntegerListenerRankingCountsAsZero() {
        List<String> heard = new ArrayList<>();
        register(named("string", heard), "50", 3);
        register(named("none", heard), null, 2);
        register(named("negative", heard), -1, 1);
        register(named("one", heard), 1, 4);
        create("alice@example.net");
        assertEquals(List.of("one", "none", "string", "negative"), heard);
    }

    @Test
    void anEventInProgressReachesTheListenersItStartedWith() {
        List<String> heard = new ArrayList<>();
        AccountLifecycleListener late = named("late", heard);
        register(new AccountLifecycleListener() {
            @Override
            public void created(Account account) {
                heard.add("first");
                register(late, -5, 99); // a listener comes while the event is told
            }
        }, 0, 1);
        create("alice@example.net");
        assertEquals(List.of("first"), heard);
        create("bob@example.net");
        assertEquals(List.of("first", "first", "late"), heard);
    }

    @Test
    void listenersHearCreateAndRemove() {
        Recorder recorder = new Recorder();
        register(recorder, 0, 1);
        create("alice@example.net");
        manager.remove("alice@example.net");
        assertEquals(List.of("created alice@example.net ACTIVE", "removed alice@example.net REMOVED"),
                recorder.events);
    }

    @Test
    void refusedCreateIsNotAnnounced() {
        Recorder recorder = new Recorder();
        register(recorder, 0, 2);
        assertThrows(AccountException.class, () -> create("alice@elsewhere.example"));
        assertEquals(List.of(), recorder.events);
    }

    @Test
    void throwingListenerBreaksNeitherTheOperationNorOtherListeners() {
        register(new AccountLifecycleListener() {
            @Override
            public void created(Account account) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void removed(Account account) {
                throw new IllegalStateException("listener bug");
            }
        }, 0, 1);
        Recorder recorder = new Recorder();
        register(recorder, 0, 3);

        Account a = create("alice@example.net");
        assertEquals(a, manager.find("alice@example.net").orElseThrow());
        manager.remove("alice@example.net");
        assertEquals(AccountStatus.REMOVED, manager.find("alice@example.net").orElseThrow().status());
        assertEquals(2, recorder.events.size());
    }

    @Test
    void removedListenerHearsNothingMore() {
        Recorder recorder = new Recorder();
        register(recorder, 0, 4);
        create("alice@example.net");
        unregister(recorder);
        create("bob@example.net");
        assertEquals(List.of("created alice@example.net ACTIVE"), recorder.events);
    }
}
