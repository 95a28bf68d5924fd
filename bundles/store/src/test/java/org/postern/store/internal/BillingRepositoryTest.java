package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;
import org.postern.core.billing.LedgerEntry;
import org.postern.core.billing.LedgerEntry.Kind;
import org.postern.core.billing.PaymentOutcome;
import org.postern.core.billing.Plan;
import org.postern.core.store.AccountRecord;
import org.postern.core.store.BillingRepository;
import org.postern.core.store.DuplicateKeyException;
import org.postern.core.store.StoreException;

/** Plans, payments, locks and the ledger against a real database, each test on Derby and PostgreSQL. */
abstract class BillingRepositoryTest {
    private static final String ALICE = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    private static final String BOB = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    private static final LocalDate TODAY = LocalDate.of(2026, 12, 4);
    private static final Plan MONTHLY = new Plan("monthly", 1, Plan.Unit.MONTHS, new BigDecimal("5.00"), "EUR", true);
    private static final Plan YEARLY = new Plan("yearly", 1, Plan.Unit.YEARS, new BigDecimal("50.00"), "EUR", false);

    @TempDir
    Path dataDir;
    private TestDatabase testDb;
    private Database db;
    private JdbcAccountRepository accounts;
    private JdbcBillingRepository billing;

    abstract TestDatabase.Engine engine();

    @BeforeEach
    void open() {
        testDb = TestDatabase.create(engine(), dataDir);
        db = testDb.open();
        accounts = new JdbcAccountRepository(db);
        new JdbcDomainRepository(db).insertServiceDomain("example.net");
        billing = new JdbcBillingRepository(db);
        account(ALICE, "alice@example.net", LocalDate.of(2027, 1, 31));
        account(BOB, "bob@example.net", LocalDate.of(2026, 11, 1));
    }

    @AfterEach
    void close() {
        try {
            if (db != null) {
                db.close();
            }
        } finally {
            if (testDb != null) {
                testDb.close();
            }
        }
    }

    private void account(String id, String address, LocalDate expires) {
        accounts.insert(new AccountRecord(id, MailAddress.parse(address), AccountStatus.ACTIVE, "$argon2id$x", NOW, expires));
    }

    private AccountRecord row(String id) {
        return accounts.byId(id).orElseThrow();
    }

    private PaymentOutcome pay(String id, Plan plan, String txid) {
        return billing.applyPayment(id, plan, "manual", txid, plan.price(), plan.currency(), NOW, TODAY);
    }

    @Test
    void aFreshDatabaseHasTheMonthlyPlanAndPlansAreOperatorData() {
        assertEquals(List.of(MONTHLY), billing.plans());
        billing.addPlan(YEARLY, NOW);
        assertThrows(DuplicateKeyException.class, () -> billing.addPlan(YEARLY, NOW));
        assertEquals(new BigDecimal("50.00"), billing.plan("yearly").orElseThrow().price());
        assertTrue(billing.removePlan("yearly"));
        assertFalse(billing.removePlan("yearly"));
    }

    @Test
    void aPaymentMovesTheExpireDateFromTheOldOneOnceWhateverTheRetries() {
        PaymentOutcome first = pay(ALICE, MONTHLY, "tx-1");
        assertEquals(PaymentOutcome.Result.APPLIED, first.result());
        // Jan 31 + 1 month clamps to Feb 28, and the next month counts from there
        assertEquals(LocalDate.of(2027, 2, 28), first.paidUntil());
        assertEquals(LocalDate.of(2027, 2, 28), row(ALICE).expires());
        PaymentOutcome again = pay(ALICE, MONTHLY, "tx-1");
        assertEquals(PaymentOutcome.Result.DUPLICATE, again.result());
        assertEquals(first.entry().seq(), again.entry().seq());
        assertEquals(LocalDate.of(2027, 2, 28), row(ALICE).expires());
        assertEquals(LocalDate.of(2027, 3, 28), pay(ALICE, MONTHLY, "tx-2").paidUntil());
        List<LedgerEntry> ledger = billing.ledger(ALICE);
        assertEquals(List.of(Kind.OPENED, Kind.PAYMENT, Kind.PAYMENT), ledger.stream().map(LedgerEntry::kind).toList());
        assertEquals(LocalDate.of(2027, 1, 31), ledger.get(0).expiresAfter());
        assertEquals(new BigDecimal("5.00"), ledger.get(1).amount());
        assertEquals("manual", ledger.get(1).provider());
        // the ledger names an opaque reference, never the account's id or address
        String ref = ledger.get(0).accountRef();
        assertNotEquals(ALICE, ref);
        assertTrue(ledger.stream().allMatch(e -> e.accountRef().equals(ref)));
        assertTrue(billing.replayAll().stream().allMatch(BillingRepository.Replayed::matches));
    }

    @Test
    void theSamePaymentFromTwoNodesAtOnceIsAppliedOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<PaymentOutcome>> results = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                results.add(pool.submit((Callable<PaymentOutcome>) () -> {
                    go.await();
                    return pay(BOB, YEARLY, "tx-concurrent");
                }));
            }
            go.countDown();
            List<PaymentOutcome.Result> seen = new ArrayList<>();
            for (Future<PaymentOutcome> f : results) {
                seen.add(f.get(60, TimeUnit.SECONDS).result());
            }
            assertTrue(seen.contains(PaymentOutcome.Result.APPLIED) && seen.contains(PaymentOutcome.Result.DUPLICATE), seen.toString());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(LocalDate.of(2027, 11, 1), row(BOB).expires());
        assertEquals(1, billing.ledger(BOB).stream().filter(e -> e.kind() == Kind.PAYMENT).count());
    }

    @Test
    void anExpiredAccountIsUnlockedByAPaymentOnlyWhenItReachesTheFutureAndAnOperatorLockStays() {
        assertTrue(billing.lock(BOB, true, "expired on 2026-11-01", NOW).isPresent());
        assertTrue(billing.lock(BOB, true, "again", NOW).isEmpty(), "already locked the same way");
        assertEquals(AccountStatus.LOCKED, row(BOB).status());
        // Nov 1 + 1 month = Dec 1: still before today, kept and still locked
        PaymentOutcome late = pay(BOB, MONTHLY, "tx-a");
        assertEquals(LocalDate.of(2026, 12, 1), late.paidUntil());
        assertEquals("LOCKED", late.status());
        assertEquals(AccountStatus.LOCKED, row(BOB).status());
        // Dec 1 + 1 month = Jan 1: unlocked at once, counted from the old date, not from today
        PaymentOutcome enough = pay(BOB, MONTHLY, "tx-b");
        assertEquals(LocalDate.of(2027, 1, 1), enough.paidUntil());
        assertEquals("ACTIVE", enough.status());
        assertEquals(AccountStatus.ACTIVE, row(BOB).status());

        assertTrue(billing.lock(BOB, false, "abuse report 17", NOW).isPresent());
        assertEquals("ACTIVE".equals(pay(BOB, YEARLY, "tx-c").status()), false, "an operator's lock is not paid away");
        assertEquals(AccountStatus.LOCKED, row(BOB).status());
        assertEquals(LocalDate.of(2028, 1, 1), row(BOB).expires());
        assertTrue(billing.unlock(BOB, NOW).isPresent());
        assertTrue(billing.unlock(BOB, NOW).isEmpty());
        List<Kind> kinds = billing.ledger(BOB).stream().map(LedgerEntry::kind).toList();
        assertEquals(List.of(Kind.OPENED, Kind.LOCKED_EXPIRED, Kind.PAYMENT, Kind.PAYMENT, Kind.UNLOCKED, Kind.LOCKED, Kind.PAYMENT,
                Kind.UNLOCKED), kinds);
        assertEquals("abuse report 17", billing.ledger(BOB).get(5).detail());
        assertTrue(billing.replayAll().stream().allMatch(BillingRepository.Replayed::matches), billing.replayAll().toString());
    }

    @Test
    void aRemovedAccountsLedgerStaysWholeAndNamesNobodyAndItsPaymentsAreKeptForARefund() {
        pay(ALICE, MONTHLY, "tx-1");
        String ref = billing.ledger(ALICE).get(0).accountRef();
        assertTrue(accounts.markRemoved(ALICE));
        assertTrue(billing.ledger(ALICE).isEmpty(), "the link is gone");
        List<Kind> kinds = db.query("SELECT kind FROM billing_ledger WHERE account_ref = ? ORDER BY seq", ps -> ps.setString(1, ref),
                rs -> rs.getString(1)).stream().map(Kind::valueOf).toList();
        assertEquals(List.of(Kind.OPENED, Kind.PAYMENT, Kind.REMOVED), kinds);
        PaymentOutcome refused = pay(ALICE, MONTHLY, "tx-after");
        assertEquals(PaymentOutcome.Result.REFUSED_REMOVED, refused.result());
        assertEquals(Kind.PAYMENT_REFUSED, refused.entry().kind());
        assertNotEquals(ref, refused.entry().accountRef());
        assertEquals(PaymentOutcome.Result.DUPLICATE, pay(ALICE, MONTHLY, "tx-after").result());
        assertThrows(StoreException.class, () -> billing.lock(ALICE, false, "x", NOW));
        assertThrows(StoreException.class, () -> pay("c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", MONTHLY, "tx-nobody"));
    }

    @Test
    void theCheckFindsAnExpireDateChangedBehindTheLedgersBack() {
        pay(ALICE, MONTHLY, "tx-1");
        assertTrue(billing.replayAll().get(0).matches());
        db.update("UPDATE account SET expires = ? WHERE id = ?", ps -> {
            ps.setDate(1, java.sql.Date.valueOf(LocalDate.of(2030, 1, 1)));
            ps.setString(2, ALICE);
        });
        BillingRepository.Replayed r = billing.replayAll().get(0);
        assertFalse(r.matches());
        assertEquals(LocalDate.of(2027, 2, 28), r.ledgerExpires());
        assertEquals(LocalDate.of(2030, 1, 1), r.accountExpires());
    }
}
