package org.postern.billing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.postern.core.billing.Plan;

/** The day arithmetic the README states, and what a plan may be. */
class PlanTest {
    private static Plan plan(String period, boolean renews) {
        int[] p = Plan.parsePeriod(period);
        return new Plan("p", p[0], Plan.Unit.values()[p[1]], new BigDecimal("5"), "EUR", renews);
    }

    @Test
    void monthsClampToTheEndOfAShorterMonthAndEachPaymentCountsFromTheLastDate() {
        Plan month = plan("1m", true);
        assertEquals(LocalDate.of(2027, 2, 28), month.extend(LocalDate.of(2027, 1, 31)));
        assertEquals(LocalDate.of(2028, 2, 29), month.extend(LocalDate.of(2028, 1, 31)));
        assertEquals(LocalDate.of(2027, 3, 28), month.extend(month.extend(LocalDate.of(2027, 1, 31))));
        assertEquals(LocalDate.of(2029, 2, 28), plan("1y", false).extend(LocalDate.of(2028, 2, 29)));
        assertEquals(LocalDate.of(2027, 4, 30), plan("3m", false).extend(LocalDate.of(2027, 1, 31)));
        assertEquals(LocalDate.of(2027, 1, 30), plan("30d", false).extend(LocalDate.of(2026, 12, 31)));
    }

    @Test
    void onlyAOneMonthPlanRenewsAndNamesPeriodsPricesAndCurrenciesAreChecked() {
        assertTrue(plan("1m", true).renews());
        assertThrows(IllegalArgumentException.class, () -> plan("1y", true));
        assertThrows(IllegalArgumentException.class, () -> plan("3m", true));
        assertThrows(IllegalArgumentException.class, () -> plan("0m", false));
        assertThrows(IllegalArgumentException.class, () -> plan("12w", false));
        assertThrows(IllegalArgumentException.class, () -> plan("m", false));
        assertThrows(IllegalArgumentException.class, () -> new Plan("Yearly Plan", 1, Plan.Unit.YEARS, BigDecimal.ONE, "EUR", false));
        assertThrows(IllegalArgumentException.class, () -> new Plan("y", 1, Plan.Unit.YEARS, new BigDecimal("-1"), "EUR", false));
        assertThrows(IllegalArgumentException.class, () -> new Plan("y", 1, Plan.Unit.YEARS, new BigDecimal("0.00001"), "EUR", false));
        assertThrows(IllegalArgumentException.class, () -> new Plan("y", 1, Plan.Unit.YEARS, BigDecimal.ONE, "eur", false));
        assertEquals("12m", plan("12M", false).period());
    }

    @Test
    void transactionIdsAndZonesAreCheckedBeforeTheyReachTheStore() {
        assertTrue(BillingManager.validTxid("pi_3Nc9xYZ-2026.12"));
        assertFalse(BillingManager.validTxid(""));
        assertFalse(BillingManager.validTxid("a b"));
        assertFalse(BillingManager.validTxid("x".repeat(201)));
        assertFalse(BillingManager.validTxid("ü"));
        assertEquals("Europe/Berlin", BillingManager.zone("Europe/Berlin").getId());
        assertEquals("UTC", BillingManager.zone("utc").getId());
        assertThrows(IllegalArgumentException.class, () -> BillingManager.zone("+02:00"));
    }
}
