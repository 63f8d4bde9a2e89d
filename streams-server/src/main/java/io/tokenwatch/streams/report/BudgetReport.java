package io.tokenwatch.streams.report;

import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.events.v1.GroupWindowStats;
import io.tokenwatch.streams.budget.BudgetCalendar;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The budgets section of the report: each budget's spend in its period up to the report's end, summed
 * from the window stats (whole windows that start in the period; the running app's {@code /api/budgets}
 * counts call by call and adds the forecast).
 */
public record BudgetReport(List<Line> budgets) {

    public record Line(String budget, double amountUsd, double spentUsd, double spentShare, Instant periodStart, Instant periodEnd, String timeZone) {
    }

    public static BudgetReport build(Map<String, Budget> budgets, List<GroupWindowStats> windows, Instant until) {
        return new BudgetReport(budgets.entrySet().stream().map(e -> {
            Budget b = e.getValue();
            BudgetCalendar.Span period = BudgetCalendar.periodOf(b.getPeriod(), ZoneId.of(b.getTimeZone()), until.toEpochMilli() - 1);
            double spent = windows.stream()
                    .filter(w -> w.getDimension().equals(b.getDimension()) && w.getGroup().equals(b.getGroup()))
                    .filter(w -> w.getWindowStart().toEpochMilli() >= period.start() && w.getWindowStart().isBefore(until))
                    .mapToDouble(w -> w.getCostUsd().doubleValue()).sum();
            return new Line(e.getKey(), b.getAmountUsd(), spent, spent / b.getAmountUsd(), Instant.ofEpochMilli(period.start()),
                    Instant.ofEpochMilli(period.end()), b.getTimeZone());
        }).toList());
    }

    public String text() {
        if (budgets.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder("\nBudgets (spend in the current period, from the window stats):\n");
        for (Line l : budgets) {
            s.append(String.format(Locale.ROOT, "  %-32s %12s of %12s %5.0f%%%s  period %s to %s%s%n", l.budget(), usd(l.spentUsd()), usd(l.amountUsd()),
                    l.spentShare() * 100, l.spentShare() >= 1 ? " !" : "  ", l.periodStart(), l.periodEnd(),
                    l.timeZone().equals("UTC") ? "" : " (" + l.timeZone() + ")"));
        }
        return s.toString();
    }

    private static String usd(double value) {
        return String.format(Locale.ROOT, "$%,.2f", value);
    }
}
