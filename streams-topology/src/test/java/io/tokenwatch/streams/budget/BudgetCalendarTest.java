package io.tokenwatch.streams.budget;

import io.tokenwatch.events.v1.BudgetPeriod;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;

class BudgetCalendarTest {
    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    private static BudgetCalendar.Span period(BudgetPeriod kind, ZoneId zone, String at) {
        return BudgetCalendar.periodOf(kind, zone, Instant.parse(at).toEpochMilli());
    }

    private static long ms(String at) {
        return Instant.parse(at).toEpochMilli();
    }

    @Test
    void aMonthEndsAtMidnightOfTheFirstInItsZone() {
        assertThat(period(BudgetPeriod.MONTH, UTC, "2026-11-30T23:59:59Z")).isEqualTo(new BudgetCalendar.Span(ms("2026-11-01T00:00:00Z"), ms("2026-12-01T00:00:00Z")));
        assertThat(period(BudgetPeriod.MONTH, UTC, "2026-12-01T00:00:00Z").start()).isEqualTo(ms("2026-12-01T00:00:00Z"));
        // 02:00 UTC on the 1st is still 21:00 on 30 November in New York (UTC-5): November's period, which ends at 05:00 UTC.
        assertThat(period(BudgetPeriod.MONTH, NEW_YORK, "2026-12-01T02:00:00Z")).isEqualTo(new BudgetCalendar.Span(ms("2026-11-01T04:00:00Z"), ms("2026-12-01T05:00:00Z")));
        assertThat(period(BudgetPeriod.MONTH, NEW_YORK, "2026-12-01T05:00:00Z").start()).isEqualTo(ms("2026-12-01T05:00:00Z"));
        // February of a leap year, and a year's end.
        assertThat(period(BudgetPeriod.MONTH, UTC, "2028-02-29T12:00:00Z").end()).isEqualTo(ms("2028-03-01T00:00:00Z"));
        assertThat(period(BudgetPeriod.MONTH, UTC, "2026-12-31T23:00:00Z").end()).isEqualTo(ms("2027-01-01T00:00:00Z"));
    }

    @Test
    void aWeekRunsMondayToMondayAndADayFollowsDaylightSaving() {
        // 26 November 2026 is a Thursday.
        assertThat(period(BudgetPeriod.WEEK, UTC, "2026-11-26T10:00:00Z")).isEqualTo(new BudgetCalendar.Span(ms("2026-11-23T00:00:00Z"), ms("2026-11-30T00:00:00Z")));
        // New York's clocks went back on 1 November 2026: that day lasts 25 hours.
        BudgetCalendar.Span longDay = period(BudgetPeriod.DAY, NEW_YORK, "2026-11-01T12:00:00Z");
        assertThat(longDay.end() - longDay.start()).isEqualTo(25 * 3_600_000L);
    }

    @Test
    void aBudgetKeyIsDimensionGroupAndPeriodInLowerCase() {
        assertThat(BudgetCalendar.budgetKey("team", "platform", BudgetPeriod.MONTH)).isEqualTo("team|platform|month");
    }
}
