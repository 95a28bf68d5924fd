package org.postern.core.billing;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Objects;

/**
 * What a payment buys: a period ({@code count} days, months or years), its price in a currency,
 * and whether it renews by itself (only month-to-month plans may). Operator data, kept by name.
 */
public record Plan(String name, int count, Unit unit, BigDecimal price, String currency, boolean renews) {
    /** The name of the plan every fresh install has. */
    public static final String MONTHLY = "monthly";

    public enum Unit {
        DAYS('d'), MONTHS('m'), YEARS('y');

        private final char letter;

        Unit(char letter) {
            this.letter = letter;
        }

        public char letter() {
            return letter;
        }

        public static Unit of(char letter) {
            for (Unit u : values()) {
                if (u.letter == Character.toLowerCase(letter)) {
                    return u;
                }
            }
            throw new IllegalArgumentException("a period is <n>d, <n>m or <n>y");
        }
    }

    public Plan {
        Objects.requireNonNull(unit);
        if (!validName(name)) {
            throw new IllegalArgumentException("a plan's name is 1 to 64 of a-z 0-9 . _ -");
        }
        if (count < 1 || count > (unit == Unit.DAYS ? 3660 : unit == Unit.MONTHS ? 120 : 10)) {
            throw new IllegalArgumentException("a period is 1 to 3660 days, 120 months or 10 years");
        }
        if (!validAmount(price)) {
            throw new IllegalArgumentException("a price is a non-negative amount with at most 4 decimals");
        }
        if (currency == null || !currency.matches("[A-Z]{3}")) {
            throw new IllegalArgumentException("a currency is its ISO 4217 code, such as EUR or USD");
        }
        if (renews && !(unit == Unit.MONTHS && count == 1)) {
            throw new IllegalArgumentException("only a plan of one month renews by itself");
        }
    }

    private static final BigDecimal MAX_AMOUNT = new BigDecimal("999999999999999.9999");

    /** Fits DECIMAL(19,4): non-negative, at most 4 decimals and 15 integer digits (compared, never computed: no overflow). */
    public static boolean validAmount(BigDecimal a) {
        return a != null && a.signum() >= 0 && a.scale() <= 4 && a.compareTo(MAX_AMOUNT) <= 0;
    }

    public static boolean validName(String name) {
        if (name == null || name.isEmpty() || name.length() > 64) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** The period as the commands write it: {@code 1m}, {@code 30d}, {@code 1y}. */
    public String period() {
        return count + String.valueOf(unit.letter());
    }

    /** Parses {@code <n>d}, {@code <n>m} or {@code <n>y}. */
    public static int[] parsePeriod(String period) {
        String p = period == null ? "" : period.strip().toLowerCase(Locale.ROOT);
        if (p.length() < 2 || p.length() > 5) {
            throw new IllegalArgumentException("a period is <n>d, <n>m or <n>y");
        }
        int n;
        try {
            n = Integer.parseInt(p.substring(0, p.length() - 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a period is <n>d, <n>m or <n>y");
        }
        return new int[] {n, Unit.of(p.charAt(p.length() - 1)).ordinal()};
    }

    /** {@code from} plus this plan's period. */
    public LocalDate extend(LocalDate from) {
        return extend(from, count, unit);
    }

    /**
     * A date plus a period. Months and years clamp to the end of a shorter month, as
     * {@link LocalDate#plusMonths} does: Jan 31 + 1 month is Feb 28 (29 in a leap year), Feb 29 +
     * 1 year is Feb 28. Each payment counts from the date the previous one reached, so two monthly
     * payments from Jan 31 reach Feb 28 and then Mar 28.
     */
    public static LocalDate extend(LocalDate from, int count, Unit unit) {
        return switch (unit) {
            case DAYS -> from.plusDays(count);
            case MONTHS -> from.plusMonths(count);
            case YEARS -> from.plusYears(count);
        };
    }
}
