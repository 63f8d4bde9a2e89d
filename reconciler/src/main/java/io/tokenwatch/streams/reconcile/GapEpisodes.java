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

    /** What {@code hour} does to its episode, without changing anything yet: see {@link #apply}. */
    Decision decide(ReconciliationHour hour) {
        Open current = open.get(key(hour));
        double gap = Math.abs(hour.getGapCostUsd());
        if (hour.getStatus() == ReconciliationStatus.MATCHED) {
            return current == null ? new Decision(null, null, null) : new Decision(AlertStatus.RESOLVED, current.alertId(), current);
        }
        if (current == null) {
            Open started = new Open(key(hour) + "|capture_gap|" + hour.getHourStart(), hour.getHourStart().toEpochMilli(), gap);
            return new Decision(AlertStatus.OPEN, started.alertId(), started);
        }
        if (gap > current.largestGapUsd()) {
            return new Decision(AlertStatus.ESCALATED, current.alertId(), new Open(current.alertId(), current.openedAtMillis(), gap));
        }
        return new Decision(null, current.alertId(), current);
    }

    /** Makes a decision the episode's state, once what it decided is written (a transaction that aborts leaves the state as it was). */
    void apply(ReconciliationHour hour, Decision decision) {
        if (decision.update() == AlertStatus.RESOLVED) {
            open.remove(key(hour));
        } else if (decision.update() != null) {
            open.put(key(hour), decision.episode());
        }
    }

    /** Episodes open now. */
    int openCount() {
        return open.size();
    }

    /** Decides and applies at once: replaying hours already written. */
    void replay(ReconciliationHour hour) {
        apply(hour, decide(hour));
    }
}
