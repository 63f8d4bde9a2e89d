package io.tokenwatch.streams.api;

import io.tokenwatch.events.v1.AnomalyAlert;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The latest state of recent alert episodes, read from the (compacted) alerts topic by every API
 * instance, so {@code /api/alerts} needs no fan-out. Keeps the newest {@code capacity} episodes.
 */
public final class RecentAlerts implements AutoCloseable {
    private final TopicFollower<AnomalyAlert> alerts;

    public RecentAlerts(Map<String, ?> kafkaSettings, String alertsTopic, int capacity) {
        alerts = new TopicFollower<>(kafkaSettings, alertsTopic, AnomalyAlert.class, AnomalyAlert::getAlertId,
                Comparator.comparing(AnomalyAlert::getUpdatedAt), capacity);
    }

    /** Newest first. */
    public List<AnomalyAlert> latest(int limit) {
        return alerts.newest(limit);
    }

    @Override
    public void close() {
        alerts.close();
    }
}
