package io.tokenwatch.streams.budget;

import io.tokenwatch.events.v1.Budget;
import org.apache.kafka.common.serialization.Deserializer;

import java.time.DateTimeException;
import java.time.ZoneId;

/** What makes a budget unusable, said in one line: checked by the `budget` command before writing, and by the topology before use. */
public final class BudgetValidation {
    private BudgetValidation() {
    }

    /** The problem with {@code budget}, or null when it can be used. */
    public static String problem(Budget budget) {
        if (budget.getDimension().isBlank() || budget.getGroup().isBlank()) {
            return "dimension and group must not be empty";
        }
        if (!(budget.getAmountUsd() > 0) || Double.isInfinite(budget.getAmountUsd())) {
            return "amount_usd must be a positive number of dollars, not " + budget.getAmountUsd();
        }
        try {
            ZoneId.of(budget.getTimeZone());
        } catch (DateTimeException e) {
            return "time zone '" + budget.getTimeZone() + "' is unknown (an IANA name such as Europe/Berlin, or UTC)";
        }
        for (double fraction : budget.getWarnAt()) {
            if (!(fraction > 0) || fraction > 10) {
                return "warning fractions must be above 0 and at most 10 (0.8 = 80 %), not " + fraction;
            }
        }
        if (!(budget.getForecastMargin() >= 0) || budget.getForecastMargin() > 10) {
            return "forecast_margin must be between 0 and 10, not " + budget.getForecastMargin();
        }
        if (budget.getSlackRoute() != null && !budget.getSlackRoute().matches("[a-z0-9_-]+")) {
            return "slack_route must be a webhook name (lower case letters, digits, - and _), not '" + budget.getSlackRoute() + "'";
        }
        return null;
    }

    /**
     * The budget stored under {@code key} as {@code bytes} (a record of the budgets topic), decoded and checked;
     * an {@link IllegalArgumentException} says what makes it unusable.
     */
    public static Budget usable(String key, byte[] bytes, Deserializer<Budget> reader) {
        Budget budget;
        try {
            budget = reader.deserialize(null, bytes);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("its record cannot be read (" + e + ")", e);
        }
        String problem = problem(key, budget);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return budget;
    }

    /** The problem with {@code budget} stored under {@code key}, or null: a record under another budget's key is refused too. */
    public static String problem(String key, Budget budget) {
        String expected = BudgetCalendar.budgetKey(budget.getDimension(), budget.getGroup(), budget.getPeriod());
        return expected.equals(key) ? problem(budget) : "its key is '" + key + "' but the record is the budget '" + expected + "'";
    }
}
