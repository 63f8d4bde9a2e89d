package io.tokenwatch.streams.api;

import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.streams.budget.BudgetCalendar;
import io.tokenwatch.streams.budget.BudgetSpend;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;

/**
 * A budget as {@code /api/budgets} shows it: the amount, the spend of the current period, the
 * projection made at its last call and when that runs the money out, and the warnings raised. A budget
 * without a call yet this period shows the period it is in by the wall clock, with nothing spent.
 */
public record BudgetView(String key, String dimension, String group, String period, String timeZone, double amountUsd, double spentUsd,
                         double spentFraction, Instant periodStart, Instant periodEnd, long calls, Double warningRaised, List<Double> warnAt,
                         Double projectedUsd, Double projectedFraction, Instant exhaustedAt, boolean forecastAlertOpen, Instant asOf,
                         String owner, String slackRoute) {

    public static BudgetView of(String key, Budget budget, BudgetSpend spend) {
        double amount = budget.getAmountUsd();
        boolean projected = spend.projectedNanos() >= 0;
        return new BudgetView(key, budget.getDimension(), budget.getGroup(), budget.getPeriod().name().toLowerCase(Locale.ROOT), budget.getTimeZone(),
                amount, spend.spentNanos() / 1e9, spend.spentNanos() / 1e9 / amount, Instant.ofEpochMilli(spend.periodStart()),
                Instant.ofEpochMilli(spend.periodEnd()), spend.calls(), spend.highestWarning() > 0 ? spend.highestWarning() : null,
                budget.getWarnAt(), projected ? spend.projectedNanos() / 1e9 : null, projected ? spend.projectedNanos() / 1e9 / amount : null,
                spend.exhaustedAt() >= 0 && spend.exhaustedAt() < spend.periodEnd() ? Instant.ofEpochMilli(spend.exhaustedAt()) : null,
                spend.forecastOpenedAt() != 0, Instant.ofEpochMilli(spend.asOf()), budget.getOwner(), budget.getSlackRoute());
    }

    /** A budget nothing was spent on yet in the period {@code now} falls in. */
    public static BudgetView unspent(String key, Budget budget, Instant now) {
        BudgetCalendar.Span period = BudgetCalendar.periodOf(budget.getPeriod(), ZoneId.of(budget.getTimeZone()), now.toEpochMilli());
        return of(key, budget, BudgetSpend.starting(period, 0, 0));
    }
}
