package org.postern.shell.internal.command;

import java.math.BigDecimal;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.core.billing.Plan;

@Command(scope = "postern", name = "plan-add", description = "Add a plan: a period, a price and a currency; only one-month plans may renew")
@Service
public class PlanAddCommand extends BillingCommand {
    @Argument(index = 0, name = "name", required = true, description = "a-z 0-9 . _ - (at most 64)")
    String name;

    @Option(name = "--period", description = "<n>d, <n>m or <n>y (months clamp: Jan 31 + 1m = Feb 28)")
    String period;

    @Option(name = "--price", description = "the amount, such as 5 or 49.90")
    String price;

    @Option(name = "--currency", description = "ISO 4217 code, such as EUR")
    String currency;

    @Option(name = "--renews", description = "renews by itself every month (one-month plans only)")
    boolean renews;

    @Argument(index = 1, name = "options", multiValued = true, description = "the options may also follow the name")
    java.util.List<String> tail;

    @Override
    void runBilling() {
        // Karaf parses options only before the first argument: the ones written after the name
        java.util.List<String> rest = new java.util.ArrayList<>(tail == null ? java.util.List.of() : tail);
        renews |= rest.remove("--renews");
        String[] known = {"--period", "--price", "--currency"};
        period = trailingOption(rest, "--period", period, known);
        price = trailingOption(rest, "--price", price, known);
        currency = trailingOption(rest, "--currency", currency, known);
        if (period == null || price == null || currency == null) {
            throw new IllegalArgumentException("give --period, --price and --currency");
        }
        int[] p = Plan.parsePeriod(period);
        BigDecimal amount;
        try {
            amount = new BigDecimal(price.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a price is an amount such as 5 or 49.90");
        }
        Plan plan = new Plan(name, p[0], Plan.Unit.values()[p[1]], amount, currency.strip().toUpperCase(java.util.Locale.ROOT), renews);
        billing().addPlan(plan);
        out().println("plan " + plan.name() + " added: " + plan.period() + " for " + plan.price().toPlainString() + " "
                + plan.currency() + (plan.renews() ? ", renews by itself" : ""));
    }
}
