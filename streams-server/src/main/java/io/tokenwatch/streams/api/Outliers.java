package io.tokenwatch.streams.api;

import java.util.Comparator;
import java.util.List;

/**
 * The groups worth a look: highest spend (last 24 h), sudden jumps (a metric furthest above its
 * baseline), high retry rate and low acceptance. The spend table sorts by total spend or by cost per
 * accepted outcome.
 */
public record Outliers(List<GroupSnapshot> highestCost, List<Jump> suddenJumps, List<GroupSnapshot> highRetryRate,
                       List<GroupSnapshot> lowAcceptance) {

    /** A metric of a group at {@code ratio} times its baseline. */
    public record Jump(String dimension, String group, String metric, double observed, double baseline, double ratio, boolean anomalous) {
    }

    public enum SortBy { SPEND, COST_PER_ACCEPTED }

    /** Outcome-based rankings need this many decided calls in 24 h to mean anything. */
    static final int MIN_DECIDED = 20;

    public static Outliers of(List<GroupSnapshot> groups, SortBy sortBy, int limit) {
        Comparator<GroupSnapshot> spend = sortBy == SortBy.SPEND
                ? Comparator.comparingDouble(GroupSnapshot::cost24hUsd).reversed()
                : Comparator.comparing(GroupSnapshot::costPerAccepted24hUsd, Comparator.nullsLast(Comparator.reverseOrder()));
        List<GroupSnapshot> highestCost = groups.stream().sorted(spend).limit(limit).toList();
        List<Jump> jumps = groups.stream().flatMap(g -> g.metrics().stream()
                        .filter(r -> r.judged() && r.ratio() != null && r.ratio() > 1)
                        .map(r -> new Jump(g.dimension(), g.group(), r.metric(), r.observed(), r.baseline(), r.ratio(), r.anomalous())))
                .sorted(Comparator.comparingDouble(Jump::ratio).reversed()).limit(limit).toList();
        List<GroupSnapshot> retries = groups.stream().filter(g -> value(g, "retry_rate") != null && value(g, "retry_rate") > 0)
                .sorted(Comparator.comparing((GroupSnapshot g) -> value(g, "retry_rate")).reversed()).limit(limit).toList();
        List<GroupSnapshot> lowAcceptance = groups.stream().filter(g -> g.decided24h() >= MIN_DECIDED && g.acceptance24h() != null)
                .sorted(Comparator.comparing(GroupSnapshot::acceptance24h)).limit(limit).toList();
        return new Outliers(highestCost, jumps, retries, lowAcceptance);
    }

    private static Double value(GroupSnapshot g, String metric) {
        GroupSnapshot.MetricReading r = g.reading(metric);
        return r == null ? null : r.observed();
    }

}
