package io.tokenwatch.streams.budget;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Hourly windows (day 24, week 168 slots); costs in nano-dollars, $0.10 = 100,000,000. */
class SpendProfileTest {
    private static final int DAY = 24;
    private static final int WEEK = 168;
    private static final long HOUR_MS = 3_600_000L;
    private static final long TEN_CENTS = 100_000_000L;
    /** Slot 0 is 1970-01-01T00, a Thursday: slot 96 is Monday 00:00. */
    private static final long MONDAY = 96 + 10 * WEEK;

    /** $0.10 in each hour 9..16 of Monday to Friday, nothing else. */
    private static long officeHours(long slot) {
        long hourOfWeek = Math.floorMod(slot - 96, WEEK);
        long weekday = hourOfWeek / DAY;
        long hour = hourOfWeek % DAY;
        return weekday < 5 && hour >= 9 && hour < 17 ? TEN_CENTS : 0;
    }

    @Test
    void aWeekOfHistoryGivesEachHourOfTheWeekItsOwnCost() {
        long now = MONDAY + 9; // Monday 09:00, a week and more of history
        SpendProfile profile = SpendProfile.of(now, now - 400, DAY, WEEK, SpendProfileTest::officeHours);
        assertThat(profile.coversWeek()).isTrue();
        assertThat(profile.usualCost(MONDAY + 9)).isEqualTo(TEN_CENTS);
        assertThat(profile.usualCost(MONDAY + 5 * DAY + 10)).isZero(); // Saturday 10:00
    }

    @Test
    void withLessThanAWeekTheProfileIsTheMeanOfEachHourOfTheDayAndWithLessThanADayThereIsNone() {
        long now = MONDAY + 2 * DAY + 12; // Wednesday noon, history since Monday 00:00: the span before the last day is Monday and Tuesday's first 12 h
        SpendProfile profile = SpendProfile.of(now, MONDAY, DAY, WEEK, SpendProfileTest::officeHours);
        assertThat(profile.coversWeek()).isFalse();
        assertThat(profile.historySlots()).isEqualTo(DAY + 13);
        assertThat(profile.usualCost(MONDAY + 5 * DAY + 10)).isEqualTo(TEN_CENTS); // Saturday 10:00 looks like a weekday 10:00
        assertThat(SpendProfile.of(MONDAY + 40, MONDAY, DAY, WEEK, SpendProfileTest::officeHours)).isNull();
    }

    @Test
    void paceIsTheLastDayAgainstTheProfileOnceTheProfileExpectedThreeAverageHours() {
        SpendProfile profile = SpendProfile.of(MONDAY + 7 * DAY + 9, MONDAY - 400, DAY, WEEK, SpendProfileTest::officeHours);
        long monday = MONDAY + 7 * DAY + 9;
        // An average hour of the week is $4.00 / 168 = $0.0238; three of them $0.0714. At 09:30 the profile expected $0.05 of the last day: too little.
        assertThat(profile.pace(10 * TEN_CENTS / 10, monday, DAY, 0.5)).isNaN();
        // At 09:45 it expected $0.075; $0.16 was spent: 2.13 x.
        assertThat(profile.pace(16 * TEN_CENTS / 10, monday, DAY, 0.75)).isCloseTo(0.16 / 0.075, within(1e-9));
    }

    @Test
    void theProjectionPricesTheRestOfThePeriodAtPaceAndFindsWhenTheAmountIsReached() {
        long monday = MONDAY + 7 * DAY;
        SpendProfile profile = SpendProfile.of(monday + 9, MONDAY - 400, DAY, WEEK, SpendProfileTest::officeHours);
        long now = (monday + 9) * HOUR_MS + 45 * 60_000L;                 // Monday 09:45
        long periodEnd = (monday + 7 * DAY) * HOUR_MS;                     // next Monday 00:00
        long spent = 200_000_000L;                                          // $0.20
        // Rest of the week at the profile: Monday 0.25 h + 7 h, Tuesday to Friday 4 x 8 h = 39.25 h x $0.10 = $3.925; at 2 x: $7.85.
        SpendProfile.Projection projection = profile.project(now, HOUR_MS, spent, periodEnd, 50_000_000_000L, 2.0);
        assertThat(projection.periodEndSpend()).isEqualTo(200_000_000L + 7_850_000_000L);
        assertThat(projection.exhaustedAt()).isEqualTo(-1); // $8.05 never reaches $50
        // $3.00 is reached after $2.80 more at $0.20 an hour: 14 h of office hours: Monday's 7.25, Tuesday's 6.75 -> Tuesday 15:45.
        SpendProfile.Projection tight = profile.project(now, HOUR_MS, spent, periodEnd, 3_000_000_000L, 2.0);
        assertThat(tight.exhaustedAt()).isEqualTo((monday + DAY + 15) * HOUR_MS + 45 * 60_000L);
    }
}
