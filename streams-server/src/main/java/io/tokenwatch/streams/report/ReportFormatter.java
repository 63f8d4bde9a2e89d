package io.tokenwatch.streams.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;

/** Renders a {@link FootprintReport} as terminal text, CSV (one row per group) or JSON. */
public final class ReportFormatter {
    private ReportFormatter() {
    }

    public static String text(FootprintReport r, int topOpportunities) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "Token footprint by %s, %s to %s%n%n", r.dimension(), r.from(), r.to()));
        s.append(String.format(Locale.ROOT, "%-20s %9s %14s %12s %9s %8s %10s %7s %12s %9s%n",
                r.dimension(), "calls", "tokens", "cost", "$/call", "trend", "cache-hit", "retry", "$/accepted", "abandoned"));
        double total = 0;
        for (FootprintReport.GroupLine g : r.groups()) {
            total += g.costUsd();
            s.append(String.format(Locale.ROOT, "%-20s %9d %14d %12.2f %9.4f %8s %10s %7s %12s %8.0f%%%n", g.group(), g.calls(), g.tokens(),
                    g.costUsd(), g.costPerCall(), percent(g.costTrend(), true), flagged(g.cacheHitRatio(), FootprintReport.CACHE_HIT_TARGET, false),
                    flagged(g.retryRate(), FootprintReport.RETRY_RATE_TARGET, true),
                    g.costPerAccepted() == null ? "-" : String.format(Locale.ROOT, "%.4f", g.costPerAccepted()), g.abandonedShare() * 100));
        }
        s.append(String.format(Locale.ROOT, "%-20s %9s %14s %12.2f%n%n", "total", "", "", total));
        s.append(String.format(Locale.ROOT, "Targets: cache hit ratio >= %.0f%%, retry rate <= %.0f%% (! marks a miss)%n%n",
                FootprintReport.CACHE_HIT_TARGET * 100, FootprintReport.RETRY_RATE_TARGET * 100));
        s.append("Top opportunities (spend concerned, USD):\n");
        r.opportunities().stream().limit(topOpportunities).forEach(o ->
                s.append(String.format(Locale.ROOT, "  %10.2f  %-20s %s%n", o.impactUsd(), o.group(), o.what())));
        return s.toString();
    }

    public static String csv(FootprintReport r) {
        StringBuilder s = new StringBuilder("dimension,group,calls,tokens,cost_usd,cost_per_call,cost_trend,cache_hit_ratio,retry_rate,"
                + "cost_per_accepted,cost_per_accepted_trend,abandoned_share,rejected_share\n");
        for (FootprintReport.GroupLine g : r.groups()) {
            s.append(String.join(",", r.dimension(), quote(g.group()), Long.toString(g.calls()), Long.toString(g.tokens()),
                    num(g.costUsd()), num(g.costPerCall()), num(g.costTrend()), num(g.cacheHitRatio()), num(g.retryRate()),
                    num(g.costPerAccepted()), num(g.costPerAcceptedTrend()), num(g.abandonedShare()), num(g.rejectedShare()))).append('\n');
        }
        return s.toString();
    }

    public static String json(FootprintReport r, BudgetReport budgets) {
        try {
            return new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                    .writerWithDefaultPrettyPrinter().writeValueAsString(Map.of(
                            "dimension", r.dimension(), "from", r.from().toString(), "to", r.to().toString(),
                            "groups", r.groups(), "opportunities", r.opportunities(), "budgets", budgets.budgets()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String percent(Double value, boolean signed) {
        return value == null ? "-" : String.format(Locale.ROOT, signed ? "%+.0f%%" : "%.0f%%", value * 100);
    }

    private static String flagged(Double value, double target, boolean higherIsWorse) {
        if (value == null) {
            return "-";
        }
        boolean miss = higherIsWorse ? value > target : value < target;
        return String.format(Locale.ROOT, "%.0f%%%s", value * 100, miss ? "!" : "");
    }

    private static String num(Double value) {
        return value == null ? "" : String.format(Locale.ROOT, "%.6f", value);
    }

    private static String quote(String text) {
        return text.contains(",") || text.contains("\"") ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
    }
}
