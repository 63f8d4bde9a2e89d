package io.tokenwatch.streams.api;

import io.tokenwatch.events.v1.AnomalyAlert;

import java.time.Instant;
import java.util.List;

/** An alert as the API shows it (the Avro class itself does not serialise cleanly to JSON). */
public record AlertView(String alertId, String status, String dimension, String group, String metric, double observed, double baseline,
                        double ratio, double severityStep, Instant windowStart, Instant windowEnd, long windowCalls, double costImpactUsd,
                        List<Contributor> topContributors, Instant openedAt, Instant updatedAt) {

    public record Contributor(String kind, String value, double costUsd, double share) {
    }

    public static AlertView of(AnomalyAlert a) {
        return new AlertView(a.getAlertId(), a.getStatus().name(), a.getDimension(), a.getGroup(), a.getMetric(), a.getObserved(),
                a.getBaseline(), a.getRatio(), a.getSeverityStep(), a.getWindowStart(), a.getWindowEnd(), a.getWindowCalls(),
                a.getCostImpactUsd(), a.getTopContributors().stream().map(c -> new Contributor(c.getKind(), c.getValue(), c.getCostUsd(), c.getShare())).toList(),
                a.getOpenedAt(), a.getUpdatedAt());
    }
}
