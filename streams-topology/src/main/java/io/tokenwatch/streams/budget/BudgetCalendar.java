package io.tokenwatch.streams.budget;

import io.tokenwatch.events.v1.BudgetPeriod;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/** Where a budget's periods begin and end: calendar days, ISO weeks (from Monday) and months, in the budget's zone. */
public final class BudgetCalendar {
    private BudgetCalendar() {
    }

    /** One period, [start, end) in epoch milliseconds. */
    public record Span(long start, long end) {
        public boolean contains(long time) {
            return time >= start && time < end;
        }
    }

    /** The period of {@code kind} in {@code zone} that holds {@code time}. */
    public static Span periodOf(BudgetPeriod kind, ZoneId zone, long time) {
        LocalDate day = Instant.ofEpochMilli(time).atZone(zone).toLocalDate();
        LocalDate start = switch (kind) {
            case DAY -> day;
            case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> day.withDayOfMonth(1);
        };
        LocalDate end = switch (kind) {
            case DAY -> start.plusDays(1);
            case WEEK -> start.plusWeeks(1);
            case MONTH -> start.plusMonths(1);
        };
        // atStartOfDay(zone) takes the first valid instant of the day, so a midnight skipped by daylight saving still starts it.
        return new Span(start.atStartOfDay(zone).toInstant().toEpochMilli(), end.atStartOfDay(zone).toInstant().toEpochMilli());
    }

    /** The key of a budget on the budgets topic: dimension|group|period, period in lower case. */
    public static String budgetKey(String dimension, String group, BudgetPeriod period) {
        return dimension + "|" + group + "|" + period.name().toLowerCase(Locale.ROOT);
    }
}
