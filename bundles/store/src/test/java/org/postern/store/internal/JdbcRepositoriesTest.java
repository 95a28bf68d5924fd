package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.account.AccountStatus;
import org.postern.api.account.OwnedDomain;
import org.postern.api.address.MailAddress;
import org.postern.core.store.AccountRecord;
import org.postern.core.store.AppPasswordRecord;
import org.postern.core.store.ChangeListener;
import org.postern.api.auth.Protocol;
import org.postern.api.mail.AccountGoneException;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.postern.core.store.DuplicateKeyException;
import org.postern.api.mail.IncomingMessage;
import org.postern.api.mail.SendingServer;
import org.postern.api.store.BlobId;
import org.postern.core.store.PolicyRepository;
import org.postern.core.store.StoreException;

/**
 * The repositories against a real database: each subclass names the engine (embedded Derby,
 * PostgreSQL), and every test here runs on both.
 */
abstract class JdbcRepositoriesTest {
    private static final String ALICE_ID = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    private static final String BOB_ID = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
    private static final Instant CREATED = Instant.parse("2024-05-06T07:08:09.123Z");

    @TempDir
    Path dataDir;

    private TestDatabase testDb;
    private Database db;

    abstract TestDatabase.Engine engine();
    private JdbcAccountRepository accounts;
    private JdbcDomainRepository domains;

    @BeforeEach
    void openDatabase() {
        testDb = TestDatabase.create(engine(), dataDir);
        db = testDb.open();
        accounts = new JdbcAccountRepository(db);
        domains = new JdbcDomainRepository(db);
        domains.insertServiceDomain("example.net");
        domains.insertServiceDomain("example.org");
    }

    @AfterEach
    void closeDatabase() {
        try {
            if (db != null) {
                db.close();
            }
        } finally {
            if (testDb != null) { // null when the PostgreSQL half was skipped
                testDb.close();
            }
        }
    }

    private static AccountRecord record(String id, String address) {
        return new AccountRecord(id, MailAddress.parse(address), AccountStatus.ACTIVE, "$argon2id$hash-of-" + id,
                CREATED, LocalDate.of(2031, 12, 31));
    }

    // ---- accounts ----

    @Test
    void insertedAccountIsFoundByAddressAndById() {
        AccountRecord alice = record(ALICE_ID, "alice@example.net");
        accounts.insert(alice);

        for (Optional<AccountRecord> found : List.of(accounts.byAddress(MailAddress.parse("Alice@Example.NET")),
                accounts.byId(ALICE_ID))) {
            AccountRecord r = found.orElseThrow();
            assertEquals(ALICE_ID, r.id());
            assertEquals(alice.address(), r.address());
            assertEquals(AccountStatus.ACTIVE, r.status());
            assertEquals(alice.passwordHash(), r.passwordHash());
            assertEquals(CREATED, r.created());
            assertEquals(LocalDate.of(2031, 12, 31), r.expires());
        }
    }

    @Test
    void unknownAccountsAreEmpty() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        assertTrue(accounts.byAddress(MailAddress.parse("alice@example.org")).isEmpty());
        assertTrue(accounts.byAddress(MailAddress.parse("alicia@example.net")).isEmpty());
        assertTrue(accounts.byId(BOB_ID).isEmpty());
    }

    @Test
    void accountWithoutExpiryKeepsNull() {
        accounts.insert(new AccountRecord(ALICE_ID, MailAddress.parse("alice@example.net"), AccountStatus.ACTIVE,
                "h", CREATED, null));
        assertNull(accounts.byId(ALICE_ID).orElseThrow().expires());
    }

    @Test
    void listIsOrderedByDomainThenLocalPart() {
        accounts.insert(record("00000000000000000000000000000001", "zed@example.net"));
        accounts.insert(record("00000000000000000000000000000002", "amy@example.org"));
        accounts.insert(record("00000000000000000000000000000003", "amy@example.net"));
        accounts.insert(record("00000000000000000000000000000004", "bob@example.net"));
        List<String> order = accounts.list().stream().map(r -> r.address().toString()).toList();
        assertEquals(List.of("amy@example.net", "bob@example.net", "zed@example.net", "amy@example.org"), order);
    }

    @Test
    void duplicateAddressIsDuplicateKey() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        assertThrows(DuplicateKeyException.class, () -> accounts.insert(record(BOB_ID, "alice@example.net")));
        assertEquals(1, accounts.list().size());
    }

    @Test
    void duplicateIdIsDuplicateKey() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        assertThrows(DuplicateKeyException.class, () -> accounts.insert(record(ALICE_ID, "bob@example.net")));
    }

    @Test
    void accountAtUnknownServiceDomainIsAStoreErrorNotADuplicate() {
        StoreException e = assertThrows(StoreException.class,
                () -> accounts.insert(record(ALICE_ID, "alice@elsewhere.example")));
        assertFalse(e instanceof DuplicateKeyException, "a foreign key violation is not a duplicate");
    }

    @Test
    void updatePasswordHashChangesOnlyThatAccount() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        accounts.insert(record(BOB_ID, "bob@example.net"));
        assertTrue(accounts.updatePasswordHash(ALICE_ID, "$argon2id$new"));
        assertEquals("$argon2id$new", accounts.byId(ALICE_ID).orElseThrow().passwordHash());
        assertEquals("$argon2id$hash-of-" + BOB_ID, accounts.byId(BOB_ID).orElseThrow().passwordHash());
        assertFalse(accounts.updatePasswordHash("ffffffffffffffffffffffffffffffff", "x"));
    }

    @Test
    void updateStatus() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        assertTrue(accounts.updateStatus(ALICE_ID, AccountStatus.LOCKED));
        assertEquals(AccountStatus.LOCKED, accounts.byId(ALICE_ID).orElseThrow().status());
        assertFalse(accounts.updateStatus(BOB_ID, AccountStatus.LOCKED));
    }

    @Test
    void markRemovedErasesHashAndReleasesOwnedDomains() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        accounts.insert(record(BOB_ID, "bob@example.net"));
        domains.insertOwnedDomain(new OwnedDomain("alice-shop.example", OwnedDomain.Kind.CUSTOM, ALICE_ID));
        domains.insertOwnedDomain(new OwnedDomain("alice.example.net", OwnedDomain.Kind.ALIAS_SUBDOMAIN, ALICE_ID));
        domains.insertOwnedDomain(new OwnedDomain("bob-shop.example", OwnedDomain.Kind.CUSTOM, BOB_ID));

        assertTrue(accounts.markRemoved(ALICE_ID));

        AccountRecord removed = accounts.byId(ALICE_ID).orElseThrow();
        assertEquals(AccountStatus.REMOVED, removed.status());
        assertNull(removed.passwordHash());
        assertEquals(MailAddress.parse("alice@example.net"), removed.address(), "tombstone keeps the address");
        assertEquals(List.of(), domains.ownedDomains(ALICE_ID));
        assertTrue(domains.ownedDomain("alice-shop.example").isEmpty());
        assertTrue(domains.ownedDomain("bob-shop.example").isPresent(), "other accounts keep theirs");
        // released: someone else may own it now
        domains.insertOwnedDomain(new OwnedDomain("alice-shop.example", OwnedDomain.Kind.CUSTOM, BOB_ID));

        // the tombstone still blocks the address
        assertThrows(DuplicateKeyException.class,
                () -> accounts.insert(record("cccccccccccccccccccccccccccccccc", "alice@example.net")));
        // and a removed account cannot get a password back
        assertFalse(accounts.updatePasswordHash(ALICE_ID, "$argon2id$again"));
        assertNull(accounts.byId(ALICE_ID).orElseThrow().passwordHash());
    }

    @Test
    void markRemovedOfUnknownAccountIsFalse() {
        assertFalse(accounts.markRemoved(ALICE_ID));
    }

    // ---- domains ----

    @Test
    void serviceDomainsAreSortedAndQueryable() {
        domains.insertServiceDomain("a-first.example");
        assertEquals(List.of("a-first.example", "example.net", "example.org"), domains.serviceDomains());
        assertTrue(domains.isServiceDomain("example.org"));
        assertFalse(domains.isServiceDomain("example.com"));
    }

    @Test
    void aDomainAddedOnAnotherNodeIsServedAtOnce() {
        // "no" is never remembered: another node (another repository on the same database) may
        // add the domain at any time, and the next RCPT for it must be accepted.
        assertFalse(domains.isServiceDomain("later.example"));
        new JdbcDomainRepository(db).insertServiceDomain("later.example");
        assertTrue(domains.isServiceDomain("later.example"));
        assertTrue(domains.isServiceDomain("later.example"), "asked again, from what it remembers");
    }

    @Test
    void duplicateServiceDomainIsDuplicateKey() {
        assertThrows(DuplicateKeyException.class, () -> domains.insertServiceDomain("example.net"));
        assertEquals(List.of("example.net", "example.org"), domains.serviceDomains());
    }

    @Test
    void ownedDomainsRoundTrip() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        OwnedDomain shop = new OwnedDomain("shop.alice.example.net", OwnedDomain.Kind.ALIAS_SUBDOMAIN, ALICE_ID);
        OwnedDomain custom = new OwnedDomain("alice.example", OwnedDomain.Kind.CUSTOM, ALICE_ID);
        domains.insertOwnedDomain(shop);
        domains.insertOwnedDomain(custom);

        assertEquals(Optional.of(shop), domains.ownedDomain("shop.alice.example.net"));
        assertEquals(List.of(custom, shop), domains.ownedDomains(ALICE_ID), "ordered by name");
        assertTrue(domains.ownedDomain("bob.example").isEmpty());
        assertEquals(List.of(), domains.ownedDomains(BOB_ID));
    }

    @Test
    void domainOwnedByOneAccountCannotBeOwnedAgain() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        accounts.insert(record(BOB_ID, "bob@example.net"));
        domains.insertOwnedDomain(new OwnedDomain("shared.example", OwnedDomain.Kind.CUSTOM, ALICE_ID));
        assertThrows(DuplicateKeyException.class,
                () -> domains.insertOwnedDomain(new OwnedDomain("shared.example", OwnedDomain.Kind.CUSTOM, BOB_ID)));
        assertThrows(DuplicateKeyException.class,
                () -> domains.insertOwnedDomain(new OwnedDomain("shared.example", OwnedDomain.Kind.CUSTOM, ALICE_ID)));
        assertEquals(ALICE_ID, domains.ownedDomain("shared.example").orElseThrow().accountId());
    }

    @Test
    void deleteOwnedDomainOnlyByItsOwner() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        accounts.insert(record(BOB_ID, "bob@example.net"));
        domains.insertOwnedDomain(new OwnedDomain("alice.example", OwnedDomain.Kind.CUSTOM, ALICE_ID));

        assertFalse(domains.deleteOwnedDomain(BOB_ID, "alice.example"));
        assertTrue(domains.ownedDomain("alice.example").isPresent());
        assertTrue(domains.deleteOwnedDomain(ALICE_ID, "alice.example"));
        assertTrue(domains.ownedDomain("alice.example").isEmpty());
        assertFalse(domains.deleteOwnedDomain(ALICE_ID, "alice.example"));
    }

    // ---- policy lists ----

    @Test
    void policyListsAreKeptPerAccountAndListAndGoWithRemoval() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        accounts.insert(record(BOB_ID, "bob@example.net"));
        JdbcPolicyRepository policy = new JdbcPolicyRepository(db);
        policy.addEntry(ALICE_ID, PolicyRepository.ListKind.BLOCK, "server:spammer.com");
        policy.addEntry(ALICE_ID, PolicyRepository.ListKind.BLOCK, "@junk.example");
        policy.addEntry(ALICE_ID, PolicyRepository.ListKind.CATCH_ALL, "sales");
        policy.addEntry(BOB_ID, PolicyRepository.ListKind.BLOCK, "spam@evil.org");
        assertThrows(DuplicateKeyException.class,
                () -> policy.addEntry(ALICE_ID, PolicyRepository.ListKind.BLOCK, "@junk.example"));
        assertEquals(List.of("@junk.example", "server:spammer.com"), policy.entries(ALICE_ID, PolicyRepository.ListKind.BLOCK));
        assertEquals(List.of("sales"), policy.entries(ALICE_ID, PolicyRepository.ListKind.CATCH_ALL));
        assertNull(policy.catchAllMode(ALICE_ID));
        policy.setCatchAllMode(ALICE_ID, "WHITELIST");
        policy.setCatchAllMode(ALICE_ID, "BLOCK");
        assertEquals("BLOCK", policy.catchAllMode(ALICE_ID));
        assertTrue(policy.removeEntry(ALICE_ID, PolicyRepository.ListKind.BLOCK, "@junk.example"));
        assertFalse(policy.removeEntry(ALICE_ID, PolicyRepository.ListKind.BLOCK, "@junk.example"));

        accounts.markRemoved(ALICE_ID);
        assertEquals(List.of(), policy.entries(ALICE_ID, PolicyRepository.ListKind.BLOCK));
        assertEquals(List.of(), policy.entries(ALICE_ID, PolicyRepository.ListKind.CATCH_ALL));
        assertNull(policy.catchAllMode(ALICE_ID));
        assertEquals(List.of("spam@evil.org"), policy.entries(BOB_ID, PolicyRepository.ListKind.BLOCK));
    }

    // ---- messages ----

    private static IncomingMessage message(String accountId, String blob) {
        return new IncomingMessage(accountId, MailAddress.parse("alice@example.net"), "sender@example.org",
                new SendingServer("192.0.2.7", "mx.example.org", null), BlobId.of(blob), 1234, CREATED);
    }

    @Test
    void appendGivesGrowingUidsPerFolderAndDeleteAllMailReturnsTheBodies() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        accounts.insert(record(BOB_ID, "bob@example.net"));
        JdbcMessageRepository messages = new JdbcMessageRepository(db);
        String b1 = "11111111111111111111111111111111";
        String b2 = "22222222222222222222222222222222";
        String b3 = "33333333333333333333333333333333";
        assertEquals(1, messages.append(ALICE_ID, "INBOX", message(ALICE_ID, b1)));
        assertEquals(2, messages.append(ALICE_ID, "INBOX", message(ALICE_ID, b2)));
        assertEquals(1, messages.append(ALICE_ID, "Spam", message(ALICE_ID, b3)));
        assertEquals(1, messages.append(BOB_ID, "INBOX", message(BOB_ID, b3)));
        assertEquals(2, messages.count(ALICE_ID, "INBOX"));
        assertEquals(0, messages.count(ALICE_ID, "Nope"));
        assertEquals(Map.of("INBOX", 2L, "Spam", 1L), messages.folders(ALICE_ID));

        List<BlobId> gone = messages.deleteAllMail(ALICE_ID);
        assertEquals(java.util.Set.of(BlobId.of(b1), BlobId.of(b2), BlobId.of(b3)), new java.util.HashSet<>(gone));
        assertEquals(0, messages.count(ALICE_ID, "INBOX"));
        assertEquals(1, messages.count(BOB_ID, "INBOX"), "other accounts keep their mail");
        assertEquals(1, messages.append(ALICE_ID, "INBOX", message(ALICE_ID, b1)), "a new folder starts again");
    }

    @Test
    void concurrentDeliveriesIntoOneFolderGetDistinctUids() throws Exception {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        JdbcMessageRepository messages = new JdbcMessageRepository(db);
        // No delivery first: the folder does not exist yet, so the first ones race to create it.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Long>> uids = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String blob = String.format("%032x", i + 1);
                uids.add(pool.submit(() -> messages.append(ALICE_ID, "INBOX", message(ALICE_ID, blob))));
            }
            java.util.Set<Long> seen = new java.util.HashSet<>();
            for (java.util.concurrent.Future<Long> f : uids) {
                assertTrue(seen.add(f.get()), "UID handed out twice");
            }
            assertEquals(40, messages.count(ALICE_ID, "INBOX"));
            assertEquals(Map.of("INBOX", 40L), messages.folders(ALICE_ID), "one folder, however many raced");
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- UIDVALIDITY ----

    private long uidValidity(String accountId, String folder) {
        return db.queryOne("SELECT uid_validity FROM mailbox WHERE account_id = ? AND name = ?", ps -> {
            ps.setString(1, accountId);
            ps.setString(2, folder);
        }, rs -> rs.getLong(1)).orElseThrow();
    }

    @Test
    void foldersCreatedInOneSecondGetDistinctUidValidities() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        JdbcMessageRepository messages = new JdbcMessageRepository(db);
        // 30 folders: unless this took 29 seconds or more, two were created in one second, which
        // gave them one UIDVALIDITY when it was the creation second.
        java.util.Set<Long> seen = new java.util.HashSet<>();
        long previous = 0;
        for (int i = 0; i < 30; i++) {
            String folder = "Folder" + i;
            messages.append(ALICE_ID, folder, message(ALICE_ID, String.format("%032x", i + 1)));
            long v = uidValidity(ALICE_ID, folder);
            assertTrue(seen.add(v), "UIDVALIDITY " + v + " handed out twice");
            assertTrue(v > previous, "UIDVALIDITY grows: " + v + " after " + previous);
            assertTrue(v >= 1 && v <= 0xFFFF_FFFFL, "an IMAP nz-number of 32 bits: " + v);
            previous = v;
        }
    }

    @Test
    void foldersCreatedConcurrentlyGetDistinctUidValidities() throws Exception {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        accounts.insert(record(BOB_ID, "bob@example.net"));
        JdbcMessageRepository messages = new JdbcMessageRepository(db);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String account = i % 2 == 0 ? ALICE_ID : BOB_ID;
                String folder = "F" + (i / 2);
                String blob = String.format("%032x", i + 1);
                done.add(pool.submit(() -> messages.append(account, folder, message(account, blob))));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<Long> all = db.query("SELECT uid_validity FROM mailbox", ps -> { }, rs -> rs.getLong(1));
        assertEquals(40, all.size(), "20 folders for each of two accounts");
        assertEquals(40, new java.util.HashSet<>(all).size(), "all UIDVALIDITYs distinct: " + all);
    }

    @Test
    void folderDeletedAndCreatedAgainGetsALargerUidValidity() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        JdbcMessageRepository messages = new JdbcMessageRepository(db);
        messages.append(ALICE_ID, "INBOX", message(ALICE_ID, "11111111111111111111111111111111"));
        long before = uidValidity(ALICE_ID, "INBOX");
        messages.deleteAllMail(ALICE_ID);
        messages.append(ALICE_ID, "INBOX", message(ALICE_ID, "22222222222222222222222222222222"));
        long after = uidValidity(ALICE_ID, "INBOX");
        assertTrue(after > before, "recreated INBOX: UIDVALIDITY " + after + " after " + before
                + " (a client's cached UIDs must be invalidated)");
    }

    @Test
    void uidValiditySurvivesARestartWithoutRepeating() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        new JdbcMessageRepository(db).append(ALICE_ID, "INBOX", message(ALICE_ID, "11111111111111111111111111111111"));
        long first = uidValidity(ALICE_ID, "INBOX");
        db.close();
        db = testDb.open();
        new JdbcMessageRepository(db).append(ALICE_ID, "Spam", message(ALICE_ID, "22222222222222222222222222222222"));
        assertTrue(uidValidity(ALICE_ID, "Spam") > first);
    }

    @Test
    void freshDatabaseStartsUidValidityAboveTheClock() {
        long nowSeconds = System.currentTimeMillis() / 1000;
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        new JdbcMessageRepository(db).append(ALICE_ID, "INBOX", message(ALICE_ID, "11111111111111111111111111111111"));
        long v = uidValidity(ALICE_ID, "INBOX");
        assertTrue(v > 1_700_000_000L && v <= nowSeconds + 1, "above the creation seconds of any older database: " + v);
    }

    // ---- service notices (V019) ----

    @Test
    void serviceNoticesAreListedNewestFirstAndRemovedById() {
        JdbcServiceNoticeRepository notices = new JdbcServiceNoticeRepository(db);
        assertTrue(notices.list().isEmpty());
        var first = notices.add("  Maintenance on Sunday  ", CREATED);
        var second = notices.add("New terms <b>from</b> May", CREATED.plusSeconds(60));
        assertEquals("Maintenance on Sunday", first.text());
        assertEquals(32, first.id().length());
        assertEquals(List.of(second, first), notices.list());
        assertThrows(IllegalArgumentException.class, () -> notices.add(" ", CREATED));
        assertThrows(IllegalArgumentException.class, () -> notices.add("x".repeat(2001), CREATED));
        assertTrue(notices.remove(first.id()));
        assertFalse(notices.remove(first.id()));
        assertEquals(List.of(second), notices.list());
    }

    // ---- account settings (V018) ----

    @Test
    void accountSettingsAreSetReplacedRemovedAndGoWithTheAccount() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        accounts.insert(record(BOB_ID, "bob@example.net"));
        JdbcAccountSettingRepository settings = new JdbcAccountSettingRepository(db);
        assertTrue(settings.get(ALICE_ID, "webmail.theme").isEmpty());
        settings.put(ALICE_ID, "webmail.theme", "dark");
        settings.put(ALICE_ID, "webmail.theme", "high-contrast");
        settings.put(ALICE_ID, "webmail.page", "100");
        settings.put(BOB_ID, "webmail.theme", "light");
        assertEquals("high-contrast", settings.get(ALICE_ID, "webmail.theme").orElseThrow());
        assertEquals(java.util.Map.of("webmail.page", "100", "webmail.theme", "high-contrast"), settings.all(ALICE_ID));
        assertThrows(IllegalArgumentException.class, () -> settings.put(ALICE_ID, "x", "v".repeat(1001)));
        assertThrows(IllegalArgumentException.class, () -> settings.put(ALICE_ID, "n".repeat(65), "v"));
        assertTrue(settings.remove(ALICE_ID, "webmail.page"));
        assertFalse(settings.remove(ALICE_ID, "webmail.page"));
        assertTrue(accounts.markRemoved(ALICE_ID));
        assertTrue(settings.all(ALICE_ID).isEmpty());
        assertEquals("light", settings.get(BOB_ID, "webmail.theme").orElseThrow());
        assertThrows(org.postern.api.mail.AccountGoneException.class, () -> settings.put(ALICE_ID, "webmail.theme", "dark"));
    }

    // ---- TOTP (V017) ----

    @Test
    void totpStepsAreAcceptedOnceInOrderAndRecoveryCodesOnceEach() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        JdbcTotpRepository totp = new JdbcTotpRepository(db);
        assertTrue(totp.find(ALICE_ID).isEmpty());
        String h1 = "1".repeat(64);
        String h2 = "2".repeat(64);
        totp.enable(ALICE_ID, "sealed-secret", "0123456789abcdef", 100, List.of(h1, h2), CREATED);
        org.postern.core.store.TotpRepository.Factor f = totp.find(ALICE_ID).orElseThrow();
        assertEquals("sealed-secret", f.sealedSecret());
        assertEquals("0123456789abcdef", f.keyId());
        assertEquals(100, f.lastStep());
        assertEquals(CREATED, f.created());
        assertFalse(totp.useStep(ALICE_ID, 100), "the enrolment's code is spent");
        assertTrue(totp.useStep(ALICE_ID, 101));
        assertFalse(totp.useStep(ALICE_ID, 101), "a replay of one code");
        assertFalse(totp.useStep(ALICE_ID, 100), "an earlier step");
        assertTrue(totp.useStep(ALICE_ID, 103));
        assertEquals(2, totp.recoveryCodesLeft(ALICE_ID));
        assertTrue(totp.useRecoveryCode(ALICE_ID, h1));
        assertFalse(totp.useRecoveryCode(ALICE_ID, h1));
        assertFalse(totp.useRecoveryCode(BOB_ID, h2), "another account's code");
        assertEquals(1, totp.recoveryCodesLeft(ALICE_ID));

        totp.enable(ALICE_ID, "new-secret", "0123456789abcdef", 5, List.of(h1), CREATED);
        assertEquals("new-secret", totp.find(ALICE_ID).orElseThrow().sealedSecret());
        assertEquals(1, totp.recoveryCodesLeft(ALICE_ID), "enabling again replaces the codes");
        assertFalse(totp.useRecoveryCode(ALICE_ID, h2));
        assertTrue(totp.disable(ALICE_ID));
        assertFalse(totp.disable(ALICE_ID));
        assertTrue(totp.find(ALICE_ID).isEmpty());
        assertFalse(totp.useStep(ALICE_ID, 1000));
        assertEquals(0, totp.recoveryCodesLeft(ALICE_ID));

        totp.enable(ALICE_ID, "s", "0123456789abcdef", 1, List.of(h2), CREATED);
        assertTrue(accounts.markRemoved(ALICE_ID));
        assertTrue(totp.find(ALICE_ID).isEmpty(), "a removed account keeps no second factor");
        assertEquals(0, totp.recoveryCodesLeft(ALICE_ID));
        assertThrows(org.postern.api.mail.AccountGoneException.class,
                () -> totp.enable(ALICE_ID, "s", "0123456789abcdef", 1, List.of(), CREATED));
    }

    // ---- app passwords ----

    private static AppPasswordRecord appPassword(String id, String accountId, String name, String hash) {
        return new AppPasswordRecord(id, accountId, name, hash, "0123456789abcdef", EnumSet.of(Protocol.IMAP, Protocol.POP3),
                List.of("192.0.2.0/24", "2001:db8::/32"), LocalDate.of(2030, 1, 31), CREATED, null);
    }

    private static String hash(char c) {
        return String.valueOf(c).repeat(64);
    }

    @Test
    void appPasswordsRoundTripAndAreFoundByTheirHash() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        JdbcAppPasswordRepository passwords = new JdbcAppPasswordRepository(db);
        passwords.insert(appPassword("11111111111111111111111111111111", ALICE_ID, "Thunderbird on the laptop", hash('a')));
        AppPasswordRecord found = passwords.bySecretHash(hash('a')).orElseThrow();
        assertEquals("Thunderbird on the laptop", found.name());
        assertEquals(ALICE_ID, found.accountId());
        assertEquals(Set.of(Protocol.IMAP, Protocol.POP3), found.protocols());
        assertEquals(List.of("192.0.2.0/24", "2001:db8::/32"), found.networks());
        assertEquals(LocalDate.of(2030, 1, 31), found.expires());
        assertEquals(CREATED, found.created());
        assertNull(found.lastUsed());
        assertEquals("0123456789abcdef", found.keyId());
        assertTrue(passwords.bySecretHash(hash('b')).isEmpty());
        assertTrue(passwords.hasAny(ALICE_ID));
        assertEquals(0, passwords.countMadeWithOtherKey("0123456789abcdef"));
        assertEquals(1, passwords.countMadeWithOtherKey("fedcba9876543210"));
    }

    @Test
    void appPasswordNamesAreUniquePerAccountOnly() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        accounts.insert(record(BOB_ID, "bob@example.net"));
        JdbcAppPasswordRepository passwords = new JdbcAppPasswordRepository(db);
        passwords.insert(appPassword("11111111111111111111111111111111", ALICE_ID, "phone", hash('a')));
        passwords.insert(appPassword("22222222222222222222222222222222", BOB_ID, "phone", hash('b')));
        assertThrows(DuplicateKeyException.class,
                () -> passwords.insert(appPassword("33333333333333333333333333333333", ALICE_ID, "phone", hash('c'))));
        assertEquals(1, passwords.byAccount(ALICE_ID).size());
        assertFalse(passwords.hasAny("c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"));
    }

    @Test
    void recordUseOnlyMovesForwardAndDeleteAnnouncesTheAccount() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        List<String> heard = new CopyOnWriteArrayList<>();
        db.addChangeListener(new ChangeListener() {
            @Override
            public void changed(String topic, String key) {
                heard.add(topic + " " + key);
            }

            @Override
            public void resync() {
            }
        });
        JdbcAppPasswordRepository passwords = new JdbcAppPasswordRepository(db);
        passwords.insert(appPassword("11111111111111111111111111111111", ALICE_ID, "phone", hash('a')));
        assertEquals(List.of(ChangeListener.ACCOUNT + " " + ALICE_ID), heard);
        Instant later = CREATED.plusSeconds(3600);
        passwords.recordUse("11111111111111111111111111111111", later);
        passwords.recordUse("11111111111111111111111111111111", CREATED);
        assertEquals(later, passwords.byId("11111111111111111111111111111111").orElseThrow().lastUsed());
        assertEquals(1, heard.size(), "a use is not a change anyone caches");
        assertFalse(passwords.delete(ALICE_ID, "tablet"));
        assertTrue(passwords.delete(ALICE_ID, "phone"));
        assertEquals(2, heard.size());
        assertTrue(passwords.bySecretHash(hash('a')).isEmpty());
    }

    @Test
    void removedAccountLosesItsAppPasswordsAndGetsNoNewOnes() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        JdbcAppPasswordRepository passwords = new JdbcAppPasswordRepository(db);
        passwords.insert(appPassword("11111111111111111111111111111111", ALICE_ID, "phone", hash('a')));
        assertTrue(accounts.markRemoved(ALICE_ID));
        assertTrue(passwords.bySecretHash(hash('a')).isEmpty());
        assertThrows(AccountGoneException.class,
                () -> passwords.insert(appPassword("22222222222222222222222222222222", ALICE_ID, "tablet", hash('b'))));
        assertThrows(AccountGoneException.class,
                () -> passwords.insert(appPassword("33333333333333333333333333333333", BOB_ID, "tablet", hash('c'))));
    }

    @Test
    void statusOfARemovedAccountCannotBeChangedBack() {
        accounts.insert(record(ALICE_ID, "alice@example.net"));
        assertTrue(accounts.markRemoved(ALICE_ID));
        assertFalse(accounts.updateStatus(ALICE_ID, AccountStatus.ACTIVE));
        assertEquals(AccountStatus.REMOVED, accounts.byId(ALICE_ID).orElseThrow().status());
    }
}
