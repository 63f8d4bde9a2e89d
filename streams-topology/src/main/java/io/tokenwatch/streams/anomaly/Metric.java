package io.tokenwatch.streams.anomaly;

import io.tokenwatch.streams.stats.WindowSums;
import io.tokenwatch.streams.stats.WindowSums.Field;

import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The judged metrics, each defined on {@link WindowSums} so the current window and the baseline are
 * computed the same way (ratios as ratio of sums). All are "higher is worse": cache hit ratio and
 * acceptance rate are judged through their bad direction, cache miss ratio and rejection rate.
 */
public enum Metric {
    TOKENS_PER_CALL(Kind.RATIO, Field.CALLS, Field.COST_NANOS, s -> ratio(s.tokens(), s.get(Field.CALLS))),
    COST_PER_CALL(Kind.RATIO, Field.CALLS, Field.COST_NANOS, s -> ratio(s.get(Field.COST_NANOS) / 1e9, s.get(Field.CALLS))),
    /** Cost of the decided calls per accepted one: undecided calls do not inflate it before their outcome arrives. */
    COST_PER_ACCEPTED(Kind.PER_ACCEPTED, Field.DECIDED, Field.DECIDED_COST_NANOS,
            s -> s.get(Field.DECIDED) == 0 ? Double.NaN : s.get(Field.DECIDED_COST_NANOS) / 1e9 / Math.max(1, s.get(Field.ACCEPTED))),
    REJECTION_RATE(Kind.PROPORTION, Field.DECIDED, Field.DECIDED_COST_NANOS, s -> ratio(s.get(Field.DECIDED) - s.get(Field.ACCEPTED), s.get(Field.DECIDED))),
    CACHE_MISS_RATIO(Kind.RATIO, Field.CALLS, Field.COST_NANOS,
            s -> ratio(s.get(Field.INPUT_TOKENS) - s.get(Field.CACHE_READ_TOKENS), s.get(Field.INPUT_TOKENS))),
    RETRY_RATE(Kind.PROPORTION, Field.CALLS, Field.COST_NANOS, s -> ratio(s.get(Field.RETRIED_CALLS), s.get(Field.CALLS))),
    TOOL_CALLS_PER_CALL(Kind.COUNT_PER_CALL, Field.CALLS, Field.COST_NANOS, s -> ratio(s.get(Field.TOOL_CALLS), s.get(Field.CALLS))),
    LATENCY_P95(Kind.QUANTILE, Field.CALLS, Field.COST_NANOS, s -> s.latency().quantile(0.95)),
    CALLS_24H(Kind.VOLUME, Field.CALLS, Field.COST_NANOS, s -> s.get(Field.CALLS)),
    TOKENS_24H(Kind.VOLUME, Field.CALLS, Field.COST_NANOS, s -> s.tokens()),
    INPUT_TOKENS_24H(Kind.VOLUME, Field.CALLS, Field.COST_NANOS, s -> s.get(Field.INPUT_TOKENS)),
    OUTPUT_TOKENS_24H(Kind.VOLUME, Field.CALLS, Field.COST_NANOS, s -> s.get(Field.OUTPUT_TOKENS)),
    CACHE_READ_TOKENS_24H(Kind.VOLUME, Field.CALLS, Field.COST_NANOS, s -> s.get(Field.CACHE_READ_TOKENS)),
    CACHE_WRITE_TOKENS_24H(Kind.VOLUME, Field.CALLS, Field.COST_NANOS, s -> s.get(Field.CACHE_WRITE_TOKENS)),
    REASONING_TOKENS_24H(Kind.VOLUME, Field.CALLS, Field.COST_NANOS, s -> s.get(Field.REASONING_TOKENS)),
    COST_24H(Kind.VOLUME, Field.CALLS, Field.COST_NANOS, s -> s.get(Field.COST_NANOS) / 1e9);

    /**
     * RATIO: current window vs the week before it. PROPORTION: a RATIO that is a share of calls, so
     * its noise on small windows is known (binomial) and guarded. COUNT_PER_CALL: a RATIO that is a
     * small count per call (Poisson noise), guarded the same way. QUANTILE: a RATIO of latency
     * quantiles, guarded by the share of calls above the alert level. PER_ACCEPTED: cost per decided
     * call divided by the acceptance share, guarded through its two parts. VOLUME: rolling day vs
     * the daily average of the week before.
     */
    public enum Kind { RATIO, PROPORTION, COUNT_PER_CALL, QUANTILE, PER_ACCEPTED, VOLUME }

    private final Kind kind;
    private final Field sampleField;
    private final Field costField;
    private final ToDoubleFunction<WindowSums> value;

    Metric(Kind kind, Field sampleField, Field costField, ToDoubleFunction<WindowSums> value) {
        this.kind = kind;
        this.sampleField = sampleField;
        this.costField = costField;
        this.value = value;
    }

    public Kind kind() {
        return kind;
    }

    /** The count the minimum-sample guards apply to (calls, or decided calls for outcome metrics). */
    public Field sampleField() {
        return sampleField;
    }

    /** The spend the metric's cost impact is a share of. */
    public Field costField() {
        return costField;
    }

    /** The metric's value, NaN when undefined (e.g. no calls). */
    public double valueOf(WindowSums sums) {
        return value.applyAsDouble(sums);
    }

    /** Name used in topics, config and the API: lower snake case. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Metric fromId(String id) {
        return valueOf(id.trim().toUpperCase(Locale.ROOT));
    }

    private static double ratio(double numerator, double denominator) {
        return denominator == 0 ? Double.NaN : numerator / denominator;
    }
}
