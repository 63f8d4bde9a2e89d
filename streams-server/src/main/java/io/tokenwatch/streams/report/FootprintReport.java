package io.tokenwatch.streams.report;

import io.tokenwatch.events.v1.GroupWindowStats;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The token footprint of a period, from window stats: cost by group with its trend against the
 * previous period of the same length, efficiency against targets, and the biggest opportunities
 * ranked by the spend they concern.
 */
public record FootprintReport(String dimension, Instant from, Instant to, List<GroupLine> groups, List<Opportunity> opportunities) {
    public static final double CACHE_HIT_TARGET = 0.60;
    public static final double RETRY_RATE_TARGET = 0.10;

    /** One group's totals in the period, and its efficiency figures. */
    public record GroupLine(String group, long calls, long tokens, double costUsd, double costPerCall, Double costTrend,
                            Double cacheHitRatio, Double retryRate, Double costPerAccepted, Double costPerAcceptedTrend,
                            double abandonedShare, double rejectedShare) {
    }

    /** Something worth fixing, with the spend it concerns (an upper bound of what fixing it saves). */
    public record Opportunity(String group, String what, double impactUsd) {
    }

    /** Builds the report for windows in [from, to) of {@code dimension}; earlier windows give the trend. */
    public static FootprintReport build(List<GroupWindowStats> windows, String dimension, Instant from, Instant to) {
        Instant previousFrom = from.minus(Duration.between(from, to));
        Map<String, Totals> now = new TreeMap<>();
        Map<String, Totals> before = new TreeMap<>();
        for (GroupWindowStats w : windows) {
            if (!w.getDimension().equals(dimension)) {
                continue;
            }
            Instant start = w.getWindowStart();
            if (!start.isBefore(from) && start.isBefore(to)) {
                now.computeIfAbsent(w.getGroup(), g -> new Totals()).add(w);
            } else if (!start.isBefore(previousFrom) && start.isBefore(from)) {
                before.computeIfAbsent(w.getGroup(), g -> new Totals()).add(w);
            }
        }
        List<GroupLine> lines = new ArrayList<>();
        List<Opportunity> opportunities = new ArrayList<>();
        now.forEach((group, t) -> {
            Totals prev = before.get(group);
            Double costPerAccepted = t.accepted == 0 ? null : t.decidedCost / t.accepted;
            Double prevPerAccepted = prev == null || prev.accepted == 0 ? null : prev.decidedCost / prev.accepted;
            GroupLine line = new GroupLine(group, t.calls, t.tokens, t.cost, t.calls == 0 ? 0 : t.cost / t.calls,
                    prev == null || prev.cost == 0 ? null : t.cost / prev.cost - 1,
                    t.input == 0 ? null : (double) t.cacheRead / t.input, t.calls == 0 ? null : (double) t.retried / t.calls,
                    costPerAccepted, costPerAccepted == null || prevPerAccepted == null ? null : costPerAccepted / prevPerAccepted - 1,
                    t.cost == 0 ? 0 : t.abandonedCost / t.cost, t.decided == 0 ? 0 : (double) t.rejected / t.decided);
            lines.add(line);
            if (line.cacheHitRatio() != null && line.cacheHitRatio() < CACHE_HIT_TARGET) {
                opportunities.add(new Opportunity(group, String.format(Locale.ROOT, "cache hit ratio %.0f%% is below the %.0f%% target",
                        line.cacheHitRatio() * 100, CACHE_HIT_TARGET * 100), t.cost * (CACHE_HIT_TARGET - line.cacheHitRatio())));
            }
            if (line.retryRate() != null && line.retryRate() > RETRY_RATE_TARGET) {
                opportunities.add(new Opportunity(group, String.format(Locale.ROOT, "retry rate %.0f%% is above the %.0f%% target",
                        line.retryRate() * 100, RETRY_RATE_TARGET * 100), t.cost * (line.retryRate() - RETRY_RATE_TARGET)));
            }
            if (t.abandonedCost > 0) {
                opportunities.add(new Opportunity(group, String.format(Locale.ROOT, "%.0f%% of spend got no outcome (abandoned)",
                        line.abandonedShare() * 100), t.abandonedCost));
            }
            if (t.decided > 0 && t.rejected > 0) {
                opportunities.add(new Opportunity(group, String.format(Locale.ROOT, "%.0f%% of judged output was rejected or escalated",
                        line.rejectedShare() * 100), t.decidedCost * line.rejectedShare()));
            }
            if (prev != null && t.cost > prev.cost * 1.3) {
                opportunities.add(new Opportunity(group, String.format(Locale.ROOT, "spend up %.0f%% on the previous period",
                        (t.cost / prev.cost - 1) * 100), t.cost - prev.cost));
            }
        });
        lines.sort(Comparator.comparingDouble(GroupLine::costUsd).reversed());
        opportunities.sort(Comparator.comparingDouble(Opportunity::impactUsd).reversed());
        return new FootprintReport(dimension, from, to, List.copyOf(lines), List.copyOf(opportunities));
    }

    /** Keeps the latest record of each upsert key, as a compacted topic would. */
    public static List<GroupWindowStats> latestPerWindow(Iterable<GroupWindowStats> updates) {
        Map<String, GroupWindowStats> latest = new LinkedHashMap<>();
        for (GroupWindowStats s : updates) {
            latest.put(s.getDimension() + "|" + s.getGroup() + "|" + s.getWindowStart(), s);
        }
        return List.copyOf(latest.values());
    }

    private static final class Totals {
        long calls;
        long tokens;
        long input;
        long cacheRead;
        long retried;
        long accepted;
        long rejected;
        long decided;
        double cost;
        double decidedCost;
        double abandonedCost;

        void add(GroupWindowStats w) {
            calls += w.getCalls();
            tokens += w.getInputTokens() + w.getOutputTokens();
            input += w.getInputTokens();
            cacheRead += w.getCacheReadTokens();
            retried += w.getRetriedCalls();
            accepted += w.getAccepted();
            rejected += w.getRejected();
            decided += w.getDecided();
            cost += w.getCostUsd().doubleValue();
            decidedCost += w.getDecidedCostUsd().doubleValue();
            abandonedCost += w.getAbandonedCostUsd().doubleValue();
        }
    }
}
