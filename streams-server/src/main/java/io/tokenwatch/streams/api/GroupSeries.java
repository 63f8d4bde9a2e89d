package io.tokenwatch.streams.api;

import io.tokenwatch.streams.anomaly.Metric;
import io.tokenwatch.streams.stats.RollingBaseline;
import io.tokenwatch.streams.stats.WindowSums.Field;
import io.tokenwatch.streams.stats.WindowSums;
import io.tokenwatch.streams.topology.GroupKey;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * A group's windows over the last 7 days (one point per window that saw traffic) with the 7-day
 * baseline of each per-call metric, plus calls and cost per window against their hourly averages.
 */
public record GroupSeries(String dimension, String group, List<Point> points, Map<String, Double> baseline) {

    public record Point(Instant windowStart, Map<String, Double> values) {
    }

    public static GroupSeries of(String groupKey, RollingBaseline baseline, LongFunction<WindowSums> windowAt, long windowMs) {
        GroupKey group = GroupKey.of(groupKey);
        int week = (int) (7 * 86_400_000L / windowMs);
        List<Point> points = new ArrayList<>();
        for (long slot = baseline.currentSlot() - week + 1; slot <= baseline.currentSlot(); slot++) {
            WindowSums sums = windowAt.apply(slot);
            if (sums != null && sums.get(Field.CALLS) > 0) {
                points.add(new Point(Instant.ofEpochMilli(slot * windowMs), values(sums, 1)));
            }
        }
        int slots = Math.max(1, baseline.previousWeekSlots());
        return new GroupSeries(group.dimension(), group.group(), points, values(baseline.previousWeek(), slots));
    }

    /** Per-call metrics as they are; calls and cost divided by {@code slots} (an hourly average for a baseline). */
    private static Map<String, Double> values(WindowSums sums, int slots) {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("calls", (double) sums.get(Field.CALLS) / slots);
        values.put("cost_usd", sums.costUsd() / slots);
        for (Metric metric : Metric.values()) {
            if (metric.kind() != Metric.Kind.VOLUME) {
                values.put(metric.id(), GroupSnapshot.orNull(metric.valueOf(sums)));
            }
        }
        return values;
    }
}
