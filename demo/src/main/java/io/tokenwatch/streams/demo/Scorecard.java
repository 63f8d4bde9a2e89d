package io.tokenwatch.streams.demo;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.time.Instant;
import java.util.Locale;

/**
 * Ground truth vs what Tokenwatch reported: an injected incident is detected by the first alert
 * episode opened on its task by an event (a call, or a decision on one) after the incident began;
 * every other episode is a false alert. Thread-safe.
 */
final class Scorecard {
    record Detection(Incident incident, long startedAtMillis, Instant startedAtEventTime, Long detectedAtMillis, String alertId,
                     String metric) {
        Optional<Double> delaySeconds() {
            return detectedAtMillis == null ? Optional.empty() : Optional.of((detectedAtMillis - startedAtMillis) / 1000.0);
        }
    }

    private final Map<Incident, Detection> incidents = new LinkedHashMap<>();
    private final List<AnomalyAlert> falseAlerts = new ArrayList<>();

    synchronized void planned(Incident incident) {
        incidents.put(incident, new Detection(incident, Long.MAX_VALUE, Instant.MAX, null, null, null));
    }

    /** An injected incident began: it, and what it causes, are detected from now on. */
    synchronized void started(Incident incident, long wallMillis, Instant eventTime) {
        for (Incident planned : List.copyOf(incidents.keySet())) {
            if (planned.injectedBy() == incident) {
                incidents.put(planned, new Detection(planned, wallMillis, eventTime, null, null, null));
            }
        }
    }

    /** Records an alert update; returns the incident it is evidence of, if any. */
    synchronized Optional<Incident> observe(AnomalyAlert alert, long wallMillis) {
        if (alert.getStatus() != AlertStatus.OPEN) {
            return incidents.values().stream().filter(d -> alert.getAlertId().equals(d.alertId())).map(Detection::incident).findFirst();
        }
        for (Detection d : incidents.values()) {
            // Evidence only if what raised it (a call, or a decision on one) came after the incident began, in event time.
            if (!alert.getUpdatedAt().isBefore(d.startedAtEventTime()) && affects(d.incident(), alert)) {
                if (d.detectedAtMillis() == null) {
                    incidents.put(d.incident(), new Detection(d.incident(), d.startedAtMillis(), d.startedAtEventTime(), wallMillis,
                            alert.getAlertId(), alert.getMetric()));
                }
                return Optional.of(d.incident());
            }
        }
        falseAlerts.add(alert);
        return Optional.empty();
    }

    /**
     * An alert on the incident's task: a budget alert for the budget breach, an anomaly alert for the others;
     * for the untracked spend, a capture_gap alert on the hidden model.
     */
    private static boolean affects(Incident incident, AnomalyAlert alert) {
        if (incident == Incident.UNTRACKED_SPEND || alert.getMetric().equals("capture_gap")) {
            return incident == Incident.UNTRACKED_SPEND && alert.getMetric().equals("capture_gap")
                    && alert.getGroup().equals("openai/" + Incident.UNTRACKED_MODEL);
        }
        boolean budgetAlert = alert.getBudget() != null;
        return alert.getDimension().equals("task") && alert.getGroup().equals(incident.task) && budgetAlert == (incident == Incident.BUDGET_BREACH);
    }

    synchronized List<Detection> detections() {
        return List.copyOf(incidents.values());
    }

    synchronized List<AnomalyAlert> falseAlerts() {
        return List.copyOf(falseAlerts);
    }

    synchronized String summaryLine() {
        long detected = incidents.values().stream().filter(d -> d.detectedAtMillis() != null).count();
        double maxDelay = incidents.values().stream().flatMap(d -> d.delaySeconds().stream()).mapToDouble(Double::doubleValue).max().orElse(0);
        return String.format(Locale.ROOT, "scorecard: incidents=%d detected=%d false_alerts=%d max_delay_s=%.1f",
                incidents.size(), detected, falseAlerts.size(), maxDelay);
    }
}
