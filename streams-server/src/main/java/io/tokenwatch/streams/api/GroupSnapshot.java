package io.tokenwatch.streams.api;

import io.tokenwatch.streams.anomaly.AnomalyRule;
import io.tokenwatch.streams.anomaly.Judgement;
import io.tokenwatch.streams.anomaly.Metric;
import io.tokenwatch.streams.stats.RollingBaseline;
import io.tokenwatch.streams.stats.WindowSums.Field;
import io.tokenwatch.streams.stats.WindowSums;
import io.tokenwatch.streams.topology.GroupKey;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * One group as the detector sees it now: its current window, its last 24 hours, and every judged
 * metric against its 7-day baseline, judged by the same rule the detector uses. Undefined values
 * (no calls, no accepted outcome) are null, not NaN, so the JSON stays valid.
 */
public record GroupSnapshot(String dimension, String group, Instant windowStart, long windowCalls, double windowCostUsd,
                            long calls24h, double cost24hUsd, long decided24h, long accepted24h, Double costPerAccepted24hUsd,
                            Double acceptance24h, int baselineHours, List<MetricReading> metrics) {

    /** A metric's current value against its baseline; {@code anomalous} as the detector would judge it now. */
    public record MetricReading(String metric, Double observed, Double baseline, Double ratio, boolean judged, boolean anomalous) {
    }

    public static GroupSnapshot of(String groupKey, WindowSums window, RollingBaseline baseline, AnomalyRule rule,
                                   Collection<Metric> metrics, long windowMs) {
        GroupKey group = GroupKey.of(groupKey);
        WindowSums current = window == null ? new WindowSums() : window;
        WindowSums day = baseline.lastDay();
        long decided = day.get(Field.DECIDED);
        long accepted = day.get(Field.ACCEPTED);
        List<MetricReading> readings = metrics.stream().sorted().map(m -> {
            Judgement j = rule.judge(m, current, baseline);
            return new MetricReading(m.id(), orNull(j.observed()), orNull(j.baseline()), orNull(j.ratio()), j.judged(), j.anomalous());
        }).toList();
        return new GroupSnapshot(group.dimension(), group.group(), Instant.ofEpochMilli(baseline.currentSlot() * windowMs),
                current.get(Field.CALLS), current.costUsd(), day.get(Field.CALLS), day.costUsd(), decided, accepted,
                decided == 0 || accepted == 0 ? null : day.get(Field.DECIDED_COST_NANOS) / 1e9 / accepted,
                decided == 0 ? null : (double) accepted / decided, (int) (baseline.previousWeekSlots() * windowMs / 3_600_000L), readings);
    }

    public MetricReading reading(String metric) {
        return metrics.stream().filter(r -> r.metric().equals(metric)).findFirst().orElse(null);
    }

    static Double orNull(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? null : value;
    }
}
