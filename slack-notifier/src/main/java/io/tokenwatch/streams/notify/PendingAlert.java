package io.tokenwatch.streams.notify;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import org.apache.kafka.common.TopicPartition;

/** An alert update read from the alerts topic and not yet posted; where it came from, for the commit. */
public record PendingAlert(AnomalyAlert alert, TopicPartition partition, long offset, byte[] key, byte[] value) {

    /** What one Slack post stands for: each status once, and each escalation step once. */
    public String notificationId() {
        return notificationId(alert);
    }

    public static String notificationId(AnomalyAlert alert) {
        return alert.getAlertId() + "|" + alert.getStatus()
                + (alert.getStatus() == AlertStatus.ESCALATED ? "|" + alert.getSeverityStep() : "");
    }
}
