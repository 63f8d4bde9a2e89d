package io.tokenwatch.streams.reconcile;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.ReconciliationHour;
import io.tokenwatch.events.v1.ReconciliationStatus;

import java.util.HashMap;
import java.util.Map;

/**
 * capture_gap alert episodes per provider and model, hour after hour: the first hour with a gap opens
 * one, a later hour with a larger gap escalates it, an hour that matches resolves it. Rebuilt on start
 * by replaying the reconciled hours in order, so a restart neither re-alerts nor forgets an open episode.
 */
final class GapEpisodes {
    /** An open episode: its alert id, when it opened, and the largest gap (USD) seen in it. */
    record Open(String alertId, long openedAtMillis, double largestGapUsd) {
    }

    /** What an hour does to its episode: the alert update to send (null: none) and the hour's alert id. */
    record Decision(AlertStatus update, String alertId, Open episode) {
    }

    private final Map<String, Open> open = new HashMap<>();

    static String key(ReconciliationHour hour) {
        return hour.getProvider() + "|" + hour.getModel();
    }

    Decision decide(ReconciliationHour hour) {
        String key = key(hour);
        Open current = open.get(key);
        double gap = Math.abs(hour.getGapCostUsd());
        if (hour.getStatus() == ReconciliationStatus.MATCHED) {
            if (current == null) {
                return new Decision(null, null, null);
            }
            open.remove(key);
            return new Decision(AlertStatus.RESOLVED, current.alertId(), current);
        }
        if (current == null) {
            Open started = new Open(key + "|capture_gap|" + hour.getHourStart(), hour.getHourStart().toEpochMilli(), gap);
            open.put(key, started);
            return new Decision(AlertStatus.OPEN, started.alertId(), started);
        }
        if (gap > current.largestGapUsd()) {
            Open worse = new Open(current.alertId(), current.openedAtMillis(), gap);
            open.put(key, worse);
            return new Decision(AlertStatus.ESCALATED, worse.alertId(), worse);
        }
        return new Decision(null, current.alertId(), current);
    }
}
