package io.tokenwatch.schemas;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.BudgetState;
import io.tokenwatch.events.v1.Contributor;

import java.time.Instant;
import java.util.List;

/** Alert updates as the topology writes them, for tests. */
public final class Alerts {
    public static final Instant WINDOW = Instant.parse("2026-11-24T10:00:00Z");

    private Alerts() {
    }

    public static AnomalyAlert alert(String dimension, String group, String metric, AlertStatus status, double ratio) {
        double baseline = 1_200;
        return AnomalyAlert.newBuilder().setAlertId(dimension + "|" + group + "|" + metric + "|" + WINDOW).setStatus(status)
                .setDimension(dimension).setGroup(group).setMetric(metric).setObserved(baseline * ratio).setBaseline(baseline)
                .setRatio(ratio).setThreshold(0.30).setSeverityStep(ratio >= 2 ? 2.0 : 1.3).setWindowStart(WINDOW)
                .setWindowEnd(WINDOW.plusSeconds(3600)).setWindowCalls(42).setBaselineCalls(16_800).setBaselineHours(168)
                .setCostImpactUsd(12.4).setTopContributors(List.of(new Contributor("model", "claude-opus-4-1", 8.2, 0.66)))
                .setOpenedAt(WINDOW.plusSeconds(1200)).setUpdatedAt(WINDOW.plusSeconds(1500)).setTriggerCallId("call-1").build();
    }

    /**
     * team=platform's $5,000 monthly budget (Europe/Berlin, owner @platform-lead): {@code spent} so far; a
     * forecast alert when {@code projected} is given, which runs the money out on 19 November at 14:00 UTC.
     */
    public static AnomalyAlert budgetAlert(AlertStatus status, double spent, Double warningFraction, Double projected, String slackRoute) {
        Instant start = Instant.parse("2026-10-31T23:00:00Z");
        Instant end = Instant.parse("2026-11-30T23:00:00Z");
        String metric = projected == null ? "budget_spend" : "budget_forecast";
        BudgetState budget = BudgetState.newBuilder().setBudgetKey("team|platform|month").setPeriod("month").setAmountUsd(5_000).setSpentUsd(spent)
                .setWarningFraction(warningFraction).setProjectedUsd(projected)
                .setExhaustedAt(projected == null ? null : Instant.parse("2026-11-19T14:00:00Z"))
                .setPeriodStart(start).setPeriodEnd(end).setTimeZone("Europe/Berlin").setOwner("@platform-lead").setSlackRoute(slackRoute).build();
        double observed = projected == null ? spent : projected;
        return AnomalyAlert.newBuilder().setAlertId("team|platform|month|" + metric + "|" + start).setStatus(status)
                .setDimension("team").setGroup("platform").setMetric(metric).setObserved(observed).setBaseline(5_000)
                .setRatio(observed / 5_000).setThreshold(warningFraction == null ? 1.1 : warningFraction)
                .setSeverityStep(warningFraction == null ? observed / 5_000 : warningFraction).setWindowStart(start).setWindowEnd(end)
                .setWindowCalls(120_000).setBaselineCalls(0).setBaselineHours(168).setCostImpactUsd(Math.max(0, observed - 5_000))
                .setTopContributors(List.of()).setOpenedAt(WINDOW).setUpdatedAt(WINDOW).setTriggerCallId("call-9")
                .setResolvedReason(status == AlertStatus.RESOLVED ? "period-ended" : null).setBudget(budget).build();
    }
}
