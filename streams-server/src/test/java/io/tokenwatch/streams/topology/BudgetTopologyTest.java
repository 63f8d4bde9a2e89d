package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.events.v1.BudgetPeriod;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.tokenwatch.streams.topology.TopologyHarness.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Budgets end to end through the real topology: every harness call costs $0.01. */
class BudgetTopologyTest {
    private static final Map<String, String> TASK_AND_TEAM = Map.of("tokenwatch.dimensions", "task,team", "tokenwatch.anomaly.metrics", "tokens_per_call");

    private static Budget budget(String dimension, String group, BudgetPeriod period, double usd, String zone, List<Double> warnAt) {
        return Budget.newBuilder().setDimension(dimension).setGroup(group).setPeriod(period).setAmountUsd(usd).setTimeZone(zone)
                .setWarnAt(warnAt).setOwner("alice").setSlackRoute("finops").setUpdatedAt(START).build();
    }

    private static List<AnomalyAlert> budgetAlerts(TopologyHarness h) {
        return h.alerts().stream().filter(a -> a.getMetric().startsWith("budget_")).toList();
    }

    private static void calls(TopologyHarness h, String task, Instant from, int n, Duration every) {
        for (int i = 0; i < n; i++) {
            h.send(h.call(task, from.plus(every.multipliedBy(i))).build());
        }
    }

    @Test
    void eachWarningFractionIsRaisedOncePerPeriodAndTheNextDayStartsAgain() {
        try (TopologyHarness h = new TopologyHarness(TASK_AND_TEAM)) {
            h.setBudget(budget("team", "platform", BudgetPeriod.DAY, 1.00, "UTC", List.of(0.5, 0.8, 1.0)));
            Instant day1 = START.plus(Duration.ofHours(9));
            calls(h, "code-review", day1, 120, Duration.ofMinutes(1));
            List<AnomalyAlert> first = budgetAlerts(h);
            // $0.50 at the 50th call, $0.80 at the 80th, $1.00 at the 100th; nothing for the 20 calls after.
            assertThat(first).extracting(a -> a.getBudget().getWarningFraction()).containsExactly(0.5, 0.8, 1.0);
            assertThat(first).extracting(AnomalyAlert::getStatus).containsExactly(AlertStatus.OPEN, AlertStatus.ESCALATED, AlertStatus.ESCALATED);
            assertThat(first).extracting(a -> a.getBudget().getSpentUsd()).containsExactly(0.50, 0.80, 1.00);
            assertThat(first).extracting(AnomalyAlert::getWindowCalls).containsExactly(50L, 80L, 100L);
            assertThat(first).extracting(AnomalyAlert::getAlertId).containsOnly("team|platform|day|budget_spend|2026-11-01T00:00:00Z");
            AnomalyAlert full = first.get(2);
            assertThat(full.getMetric()).isEqualTo("budget_spend");
            assertThat(full.getDimension()).isEqualTo("team");
            assertThat(full.getGroup()).isEqualTo("platform");
            assertThat(full.getObserved()).isEqualTo(1.00);
            assertThat(full.getBaseline()).isEqualTo(1.00);
            assertThat(full.getWindowStart()).isEqualTo(START);
            assertThat(full.getWindowEnd()).isEqualTo(START.plus(Duration.ofDays(1)));
            assertThat(full.getBudget().getOwner()).isEqualTo("alice");
            assertThat(full.getBudget().getSlackRoute()).isEqualTo("finops");
            assertThat(full.getTriggerCallId()).isEqualTo("call-100");

            // The next day: the first call ends yesterday's episode, and today's warnings start from zero.
            calls(h, "code-review", START.plus(Duration.ofDays(1)).plus(Duration.ofHours(9)), 50, Duration.ofMinutes(1));
            List<AnomalyAlert> second = budgetAlerts(h);
            assertThat(second).hasSize(2);
            assertThat(second.get(0).getStatus()).isEqualTo(AlertStatus.RESOLVED);
            assertThat(second.get(0).getResolvedReason()).isEqualTo("period-ended");
            assertThat(second.get(0).getAlertId()).isEqualTo("team|platform|day|budget_spend|2026-11-01T00:00:00Z");
            assertThat(second.get(1).getAlertId()).isEqualTo("team|platform|day|budget_spend|2026-11-02T00:00:00Z");
            assertThat(second.get(1).getBudget().getSpentUsd()).isEqualTo(0.50);
        }
    }

    @Test
    void aMonthRollsOverAtMidnightOfTheFirstInTheBudgetsZone() {
        try (TopologyHarness h = new TopologyHarness(TASK_AND_TEAM)) {
            // $0.015 a month, warned at half: the first call of each month warns.
            h.setBudget(budget("team", "platform", BudgetPeriod.MONTH, 0.015, "UTC", List.of(0.5)));
            h.setBudget(budget("task", "code-review", BudgetPeriod.MONTH, 0.015, "America/New_York", List.of(0.5)));
            h.send(h.call("code-review", Instant.parse("2026-11-30T23:30:00Z")).build());
            assertThat(budgetAlerts(h)).extracting(AnomalyAlert::getAlertId).containsExactlyInAnyOrder(
                    "team|platform|month|budget_spend|2026-11-01T00:00:00Z", "task|code-review|month|budget_spend|2026-11-01T04:00:00Z");
            // 02:00 UTC on 1 December: December in UTC, still 30 November in New York.
            h.send(h.call("code-review", Instant.parse("2026-12-01T02:00:00Z")).build());
            List<AnomalyAlert> utcRollover = budgetAlerts(h);
            assertThat(utcRollover).extracting(AnomalyAlert::getAlertId, AnomalyAlert::getStatus).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("team|platform|month|budget_spend|2026-11-01T00:00:00Z", AlertStatus.RESOLVED),
                    org.assertj.core.groups.Tuple.tuple("team|platform|month|budget_spend|2026-12-01T00:00:00Z", AlertStatus.OPEN));
            assertThat(utcRollover.get(1).getBudget().getSpentUsd()).isEqualTo(0.01);
            // 06:00 UTC is 01:00 on 1 December in New York: its month turns now, with November's two calls ($0.02) behind it.
            h.send(h.call("code-review", Instant.parse("2026-12-01T06:00:00Z")).build());
            List<AnomalyAlert> newYorkRollover = budgetAlerts(h);
            assertThat(newYorkRollover).extracting(AnomalyAlert::getAlertId, AnomalyAlert::getStatus).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("task|code-review|month|budget_spend|2026-11-01T04:00:00Z", AlertStatus.RESOLVED),
                    org.assertj.core.groups.Tuple.tuple("task|code-review|month|budget_spend|2026-12-01T05:00:00Z", AlertStatus.OPEN));
            assertThat(newYorkRollover.get(0).getBudget().getSpentUsd()).isEqualTo(0.02);
            assertThat(newYorkRollover.get(0).getWindowEnd()).isEqualTo(Instant.parse("2026-12-01T05:00:00Z"));
            assertThat(newYorkRollover.get(1).getBudget().getTimeZone()).isEqualTo("America/New_York");
        }
    }

    /**
     * Two weeks of office hours (10 calls = $0.10 an hour, 09:00-17:00 on weekdays; one call at noon on
     * Saturdays) against a $20 monthly budget: November at that pace is 21 weekdays x $0.80 + 4 x $0.01 =
     * $16.84, under the $22 the 10 % margin alerts at.
     */
    private static void officeHours(TopologyHarness h, Instant from, Instant to) {
        for (Instant day = from; day.isBefore(to); day = day.plus(Duration.ofDays(1))) {
            var weekday = day.atZone(java.time.ZoneOffset.UTC).getDayOfWeek();
            if (weekday == java.time.DayOfWeek.SATURDAY) {
                h.send(h.call("code-review", day.plus(Duration.ofHours(12))).build());
            } else if (weekday != java.time.DayOfWeek.SUNDAY) {
                h.history("code-review", day.plus(Duration.ofHours(9)), day.plus(Duration.ofHours(17)), 10, b -> { }, null);
            }
        }
    }

    @Test
    void theForecastIgnoresAQuietWeekendAndAlertsOnAMondayAtDoublePaceWithTheDateTheMoneyRunsOut() {
        try (TopologyHarness h = new TopologyHarness(TASK_AND_TEAM)) {
            h.setBudget(budget("task", "code-review", BudgetPeriod.MONTH, 20.00, "UTC", List.of(0.5, 0.8, 1.0)));
            Instant monday = Instant.parse("2026-11-16T00:00:00Z");
            officeHours(h, Instant.parse("2026-11-02T00:00:00Z"), monday); // two weeks, the second weekend included
            assertThat(budgetAlerts(h)).isEmpty();

            // Monday at double pace: 20 calls an hour from 09:00. The profile expects three average hours' spend
            // ($4.01 / 168 x 3 = $0.0716) of the last day only at 09:43, so the first judgement is at the 09:45 call:
            // $0.16 spent today against $0.075 usual = 2.133 x.
            calls(h, "code-review", monday.plus(Duration.ofHours(9)), 16, Duration.ofMinutes(3));
            List<AnomalyAlert> alerts = budgetAlerts(h);
            assertThat(alerts).hasSize(1);
            AnomalyAlert forecast = alerts.get(0);
            assertThat(forecast.getMetric()).isEqualTo("budget_forecast");
            assertThat(forecast.getStatus()).isEqualTo(AlertStatus.OPEN);
            assertThat(forecast.getUpdatedAt()).isEqualTo(monday.plus(Duration.ofMinutes(9 * 60 + 45)));
            // Spent: 10 weekdays x $0.80 + 2 Saturdays x $0.01 + $0.16 = $8.18. The rest of November at the profile: Monday
            // 0.25 h + 7 h, 9 more weekdays x $0.80, 2 Saturdays x $0.01: $8.745; at 2.133 x: $18.656. Projected: $26.84.
            assertThat(forecast.getBudget().getSpentUsd()).isCloseTo(8.18, within(1e-9));
            assertThat(forecast.getBudget().getProjectedUsd()).isCloseTo(8.18 + 0.16 / 0.075 * 8.745, within(1e-6));
            // $20 is reached after $11.82 / 2.133 = $5.5406 of profile: Monday's $0.725, Tuesday to Friday $3.20, Saturday $0.01,
            // Monday 23 and Tuesday 24 $1.60, then $0.005625 of Wednesday 25's 09:00 hour = 202.5 s.
            assertThat(forecast.getBudget().getExhaustedAt()).isEqualTo(Instant.parse("2026-11-25T09:03:22.500Z"));
            assertThat(forecast.getBaselineHours()).isEqualTo(168);
            assertThat(forecast.getAlertId()).isEqualTo("task|code-review|month|budget_forecast|2026-11-16T09:45:00Z");
        }
    }

    @Test
    void aBudgetRaisedAtRunTimeResolvesTheForecastAndADeletedOneEndsItsWarnings() {
        try (TopologyHarness h = new TopologyHarness(TASK_AND_TEAM)) {
            h.setBudget(budget("task", "code-review", BudgetPeriod.MONTH, 20.00, "UTC", List.of(0.25, 0.5)));
            Instant monday = Instant.parse("2026-11-16T00:00:00Z");
            officeHours(h, Instant.parse("2026-11-02T00:00:00Z"), monday);
            calls(h, "code-review", monday.plus(Duration.ofHours(9)), 16, Duration.ofMinutes(3));
            assertThat(budgetAlerts(h)).extracting(AnomalyAlert::getMetric, AnomalyAlert::getStatus).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("budget_spend", AlertStatus.OPEN),      // $5.00 = 25 % during the first week
                    org.assertj.core.groups.Tuple.tuple("budget_forecast", AlertStatus.OPEN));

            // Raised to $50 while the app runs: the next call projects $26.9 of $50, and the forecast resolves.
            h.setBudget(budget("task", "code-review", BudgetPeriod.MONTH, 50.00, "UTC", List.of(0.25, 0.5)));
            h.send(h.call("code-review", monday.plus(Duration.ofMinutes(9 * 60 + 48))).build());
            List<AnomalyAlert> raised = budgetAlerts(h);
            assertThat(raised).hasSize(1);
            assertThat(raised.get(0).getMetric()).isEqualTo("budget_forecast");
            assertThat(raised.get(0).getStatus()).isEqualTo(AlertStatus.RESOLVED);
            assertThat(raised.get(0).getResolvedReason()).isEqualTo("back-under-threshold");
            assertThat(raised.get(0).getBaseline()).isEqualTo(50.00);

            // Deleted: the spend warning still open ends at the next window, and later calls warn no more.
            h.deleteBudget("task|code-review|month");
            calls(h, "code-review", monday.plus(Duration.ofHours(10)), 60, Duration.ofMinutes(1));
            List<AnomalyAlert> deleted = budgetAlerts(h);
            assertThat(deleted).hasSize(1);
            assertThat(deleted.get(0).getMetric()).isEqualTo("budget_spend");
            assertThat(deleted.get(0).getStatus()).isEqualTo(AlertStatus.RESOLVED);
            assertThat(deleted.get(0).getResolvedReason()).isEqualTo("budget-removed");
        }
    }
}
