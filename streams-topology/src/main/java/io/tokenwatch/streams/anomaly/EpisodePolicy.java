package io.tokenwatch.streams.anomaly;

import io.tokenwatch.events.v1.AlertStatus;

import java.util.Arrays;
import java.time.Instant;
import java.util.stream.DoubleStream;

/**
 * Turns judgements into alert episodes, not spam: the first crossing opens an episode (one alert),
 * passing a further severity step escalates it (an update of the same alert), and a full window under
 * the threshold resolves it. While an episode is open no new one opens for that group and metric.
 */
public final class EpisodePolicy {
    private final double[] steps;
    private final long resolveAfterMs;

    /**
     * @param threshold      relative threshold; 1 + threshold is the first step
     * @param escalationSteps further ratios that escalate an open episode, e.g. 2, 3, 5
     * @param resolveAfterMs event time the metric must stay under the threshold to resolve
     */
    public EpisodePolicy(double threshold, double[] escalationSteps, long resolveAfterMs) {
        double first = 1 + threshold;
        this.steps = DoubleStream.concat(DoubleStream.of(first),
                Arrays.stream(escalationSteps).filter(s -> s > first)).sorted().distinct().toArray();
        this.resolveAfterMs = resolveAfterMs;
    }

    /** What to do: the episode to keep (null to forget it) and the alert update to emit (null for none). */
    public record Decision(AlertEpisode episode, AlertStatus emit) {
    }

    public Decision decide(AlertEpisode open, Judgement judgement, String alertIdPrefix, long eventTime, long windowStart) {
        if (judgement.anomalous()) {
            double step = stepFor(judgement.ratio());
            if (open == null) {
                String alertId = alertIdPrefix + "|" + Instant.ofEpochMilli(windowStart);
                return new Decision(new AlertEpisode(alertId, eventTime, windowStart, step, eventTime), AlertStatus.OPEN);
            }
            AlertEpisode updated = new AlertEpisode(open.alertId(), open.openedAt(), open.windowStart(),
                    Math.max(step, open.severityStep()), Math.max(eventTime, open.lastAnomalousAt()));
            return new Decision(updated, step > open.severityStep() ? AlertStatus.ESCALATED : null);
        }
        if (open != null && judgement.judged() && eventTime - open.lastAnomalousAt() >= resolveAfterMs) {
            return new Decision(null, AlertStatus.RESOLVED);
        }
        return new Decision(open, null);
    }

    private double stepFor(double ratio) {
        double reached = steps[0];
        for (double step : steps) {
            if (ratio >= step - 1e-9) {
                reached = step;
            }
        }
        return reached;
    }
}
