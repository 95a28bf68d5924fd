package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.util.UUID;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.postern.itests.PosternProcess.ClientResult;

/**
 * Billing through the operator's commands against one started distribution: plans, payments
 * applied once to the expire date (not the payment date), an operator's lock that no payment
 * lifts, the ledger naming an opaque reference, removal leaving the ledger whole, and the check.
 */
public class BillingIT {
    private static PosternProcess postern;
    private static String admin;

    @BeforeClass
    public static void start() throws Exception {
        postern = PosternProcess.unpack("billing");
        postern.start();
        admin = postern.adminPassword(120);
        ok("postern:domain-add example.net");
    }

    @AfterClass
    public static void stop() throws Exception {
        if (postern != null) {
            postern.close();
        }
    }

    private static String ok(String commands) throws Exception {
        ClientResult r = postern.client(admin, commands);
        assertEquals(r.toString(), 0, r.exit);
        return r.output;
    }

    private static String refused(String commands) throws Exception {
        ClientResult r = postern.client(admin, commands);
        assertNotEquals(r.toString(), 0, r.exit);
        return r.output;
    }

    private static String account(String expires) throws Exception {
        String address = "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "@example.net";
        ok("postern:account-add " + address + " --expires " + expires + " --password-file "
                + postern.passwordFile("billing test password"));
        return address;
    }

    @Test
    public void plansAreOperatorDataAndOnlyAMonthRenews() throws Exception {
        assertTrue(ok("postern:plan-list"), ok("postern:plan-list").contains("monthly  1m  5.00 EUR  renews"));
        assertTrue(ok("postern:plan-add yearly-it --period 1y --price 49.9 --currency eur").contains("plan yearly-it added: 1y for 49.9 EUR"));
        assertTrue(refused("postern:plan-add yearly-it --period 1y --price 1 --currency EUR").contains("there is a plan named yearly-it already"));
        assertTrue(refused("postern:plan-add quarter-it --period 3m --price 12 --currency EUR --renews")
                .contains("only a plan of one month renews by itself"));
        assertTrue(refused("postern:plan-add weekly-it --period 1w --price 1 --currency EUR").contains("a period is <n>d, <n>m or <n>y"));
        assertTrue(ok("postern:plan-list").contains("yearly-it  1y  49.90 EUR"));
        assertTrue(ok("postern:plan-remove yearly-it").contains("plan yearly-it removed"));
        assertFalse(ok("postern:plan-list").contains("yearly-it"));
    }

    @Test
    public void aPaymentCountsFromTheOldExpireDateOnceAndTheLedgerNamesNobody() throws Exception {
        String a = account("2027-01-31");
        String applied = ok("postern:payment-apply " + a + " monthly manual inv-" + a.substring(0, 11));
        assertTrue(applied, applied.contains("is paid up to 2027-02-28 and ACTIVE"));
        String again = ok("postern:payment-apply " + a + " monthly manual inv-" + a.substring(0, 11));
        assertTrue(again, again.contains("already applied") && again.contains("it paid up to 2027-02-28"));
        assertTrue(ok("postern:account-show " + a).contains("expires: 2027-02-28"));
        assertTrue(refused("postern:payment-apply " + a + " no-such-plan manual x1").contains("there is no plan named no-such-plan"));
        assertTrue(refused("postern:payment-apply nobody@example.net monthly manual x2").contains("there is no account nobody@example.net"));

        // an operator's lock: kept in the ledger with its reason, shown to the operator, never paid away
        assertTrue(ok("postern:account-lock " + a + " --reason 'abuse report 17'").contains("locked (recorded in the ledger)"));
        String shown = ok("postern:account-show " + a);
        assertTrue(shown, shown.contains("status:  LOCKED") && shown.contains("by the operator") && shown.contains("abuse report 17"));
        assertTrue(ok("postern:payment-apply " + a + " monthly bank tx-2").contains("is paid up to 2027-03-28 and LOCKED"));
        assertTrue(ok("postern:account-unlock " + a).contains("unlocked (recorded in the ledger)"));
        assertTrue(ok("postern:account-unlock " + a).contains("it was not locked"));

        String ledger = ok("postern:ledger " + a);
        assertFalse("the ledger names a reference, not the address: " + ledger, ledger.contains(a));
        String[] kinds = {"OPENED", "PAYMENT  plan monthly (1m)  manual inv-", "LOCKED", "PAYMENT  plan monthly (1m)  bank tx-2  5.00 EUR"
                + "  expires 2027-02-28 -> 2027-03-28  LOCKED", "UNLOCKED"};
        int at = 0;
        for (String k : kinds) {
            int next = ledger.indexOf(k, at);
            assertTrue(k + " in order in " + ledger, next >= at);
            at = next;
        }
        assertTrue(ok("postern:billing-check").contains("the ledger and the accounts agree"));

        // removed: the ledger keeps its rows under the reference, and a late payment is kept for a refund
        ok("postern:account-remove --force " + a);
        assertTrue(ok("postern:ledger " + a).contains("no ledger rows"));
        String late = ok("postern:payment-apply " + a + " monthly bank tx-3");
        assertTrue(late, late.contains("not applied: the account was removed. The payment is recorded for a refund"));
        assertTrue(ok("postern:payment-apply " + a + " monthly bank tx-3").contains("already applied"));
    }
}
