package io.tokenwatch.streams.report;

import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.events.v1.BudgetPeriod;
import io.tokenwatch.events.v1.GroupWindowStats;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class FootprintReportTest {
    private static final Instant DAY = Instant.parse("2026-11-20T00:00:00Z");

    private static GroupWindowStats window(String task, Instant start, long calls, String cost, long input, long cacheRead,
                                           long retried, long accepted, long decided, String abandonedCost) {
        BigDecimal c = new BigDecimal(cost).setScale(9);
        BigDecimal abandoned = new BigDecimal(abandonedCost).setScale(9);
        return GroupWindowStats.newBuilder().setDimension("task").setGroup(task).setWindowStart(start).setWindowEnd(start.plusSeconds(3600))
                .setCalls(calls).setInputTokens(input).setOutputTokens(calls * 100).setCacheReadTokens(cacheRead).setCacheWriteTokens(0)
                .setReasoningTokens(0).setCostUsd(c).setUnpricedCalls(0).setRetriedCalls(retried).setToolCalls(0)
                .setAccepted(accepted).setRejected(decided - accepted).setDecided(decided).setAbandoned(0)
                .setDecidedCostUsd(c.subtract(abandoned)).setAbandonedCostUsd(abandoned).setUpdatedAt(start).build();
    }

    @Test
    void costByGroupWithTrendEfficiencyAndRankedOpportunities() {
        List<GroupWindowStats> windows = new ArrayList<>();
        for (int h = 0; h < 24; h++) {
            Instant yesterday = DAY.minus(Duration.ofDays(1)).plus(Duration.ofHours(h));
            Instant today = DAY.plus(Duration.ofHours(h));
            windows.add(window("code-review", yesterday, 100, "2.00", 1_000_000, 700_000, 5, 80, 100, "0"));
            windows.add(window("code-review", today, 100, "3.00", 1_000_000, 300_000, 20, 60, 90, "0.30"));
            windows.add(window("docs", today, 10, "0.10", 50_000, 40_000, 0, 9, 10, "0"));
        }
        // An older update of the same window is superseded by the latest one.
        windows.add(0, window("docs", DAY, 999, "99", 1, 0, 0, 0, 0, "0"));
        FootprintReport report = FootprintReport.build(FootprintReport.latestPerWindow(windows), "task", DAY, DAY.plus(Duration.ofDays(1)));

        assertThat(report.groups()).extracting(FootprintReport.GroupLine::group).containsExactly("code-review", "docs");
        FootprintReport.GroupLine review = report.groups().get(0);
        assertThat(review.calls()).isEqualTo(2_400);
        assertThat(review.costUsd()).isCloseTo(72.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(review.costPerCall()).isCloseTo(0.03, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(review.costTrend()).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(review.cacheHitRatio()).isCloseTo(0.30, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(review.retryRate()).isCloseTo(0.20, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(review.abandonedShare()).isCloseTo(0.10, org.assertj.core.data.Offset.offset(1e-12));
        // $/accepted: (3.00 - 0.30) / 60 now vs 2.00 / 80 before.
        assertThat(review.costPerAccepted()).isCloseTo(0.045, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(review.costPerAcceptedTrend()).isCloseTo(0.8, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(report.groups().get(1).calls()).isEqualTo(240);

        // Largest first: spend growth $24, cache $72 x 0.3 = $21.6, rejected $64.8 x 1/3 = $21.6, retries $72 x 0.1 = $7.2, abandoned $7.2.
        assertThat(report.opportunities().get(0).what()).contains("spend up 50%");
        assertThat(report.opportunities().get(0).impactUsd()).isCloseTo(24.0, org.assertj.core.data.Offset.offset(1e-9));
        // docs meets both targets; its only opportunity, 1 in 10 rejected ($2.40 x 10%), ranks last.
        FootprintReport.Opportunity last = report.opportunities().get(report.opportunities().size() - 1);
        assertThat(last.group()).isEqualTo("docs");
        assertThat(last.what()).contains("10% of judged output was rejected");
        assertThat(last.impactUsd()).isCloseTo(0.24, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(report.opportunities()).filteredOn(o -> o.group().equals("docs")).hasSize(1);
        assertThat(report.opportunities()).anySatisfy(o -> assertThat(o.what()).contains("cache hit ratio 30% is below the 60% target"));

        assertThat(ReportFormatter.text(report, 3)).contains("code-review").contains("+50%").contains("30%!").contains("Top opportunities");
        assertThat(ReportFormatter.csv(report).lines()).hasSize(3).first().asString().startsWith("dimension,group,calls");
        assertThat(ReportFormatter.json(report, new BudgetReport(List.of()))).contains("\"group\" : \"code-review\"").contains("\"impactUsd\"");
    }

    @Test
    void theBudgetsSectionSumsTheWindowsOfEachBudgetsPeriodInItsZone() {
        List<GroupWindowStats> windows = new ArrayList<>();
        for (int h = 0; h < 24; h++) {
            windows.add(window("code-review", DAY.minus(Duration.ofDays(1)).plus(Duration.ofHours(h)), 100, "2.00", 1_000_000, 0, 0, 0, 0, "0"));
            windows.add(window("code-review", DAY.plus(Duration.ofHours(h)), 100, "3.00", 1_000_000, 0, 0, 0, 0, "0"));
            windows.add(window("docs", DAY.plus(Duration.ofHours(h)), 10, "0.10", 50_000, 0, 0, 0, 0, "0"));
        }
        Map<String, Budget> budgets = new TreeMap<>(Map.of(
                "task|code-review|day", budget("code-review", 50, "UTC"),
                "task|docs|day", budget("docs", 1, "Europe/Berlin")));
        BudgetReport report = BudgetReport.build(budgets, windows, DAY.plus(Duration.ofDays(1)));
        // code-review: today's 24 windows x $3.00 = $72 of $50. docs in Berlin: the day began at 23:00 UTC, one window of $0.10.
        assertThat(report.budgets()).extracting(BudgetReport.Line::spentUsd).containsExactly(72.0, 0.1);
        assertThat(report.budgets().get(1).periodStart()).isEqualTo(Instant.parse("2026-11-20T23:00:00Z"));
        assertThat(report.text()).contains("task|code-review|day                   $72.00 of       $50.00   144% !  period 2026-11-20T00:00:00Z to 2026-11-21T00:00:00Z")
                .contains("task|docs|day                           $0.10 of        $1.00    10%    period 2026-11-20T23:00:00Z to 2026-11-21T23:00:00Z (Europe/Berlin)");
    }

    private static Budget budget(String task, double usd, String zone) {
        return Budget.newBuilder().setDimension("task").setGroup(task).setPeriod(BudgetPeriod.DAY).setAmountUsd(usd).setTimeZone(zone)
                .setUpdatedAt(DAY).build();
    }
}
