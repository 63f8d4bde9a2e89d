package io.tokenwatch.streams.support;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
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
}
