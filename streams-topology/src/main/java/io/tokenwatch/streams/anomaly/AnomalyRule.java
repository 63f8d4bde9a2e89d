package io.tokenwatch.streams.anomaly;

import io.tokenwatch.streams.stats.RollingBaseline;
import io.tokenwatch.streams.stats.WindowSums;
import io.tokenwatch.streams.stats.WindowSums.Field;

/**
 * The anomaly rule of DESIGN.md: flag when the current value is at least (1 + threshold) x its 7-day
 * baseline. Ratio metrics compare the current window with the ratio of sums over the week before it;
 * volume metrics compare the rolling last day with the daily average of the week before that day.
 * Guards: minimum samples in the judged span and in the baseline, minimum baseline age (in windows
 * that hold data), non-zero baseline.
 */
public final class AnomalyRule {
    private final double threshold;
    private final long minWindowSamples;
    private final long minBaselineSamples;
    private final int minBaselineSlots;
    private final int slotsPerDay;
    private final double minZScore;

    /**
     * @param minZScore for share-of-calls metrics (retry rate, rejection rate) and small counts per
     *                  call (tool calls): how many standard deviations (binomial, Poisson) above the
     *                  baseline the window must be, so that 3 retries in 20 calls against a 10%
     *                  baseline are not taken for a jump
     */
    public AnomalyRule(double threshold, long minWindowSamples, long minBaselineSamples, int minBaselineSlots, int slotsPerDay,
                       double minZScore) {
        this.threshold = threshold;
        this.minWindowSamples = minWindowSamples;
        this.minBaselineSamples = minBaselineSamples;
        this.minBaselineSlots = minBaselineSlots;
        this.slotsPerDay = slotsPerDay;
        this.minZScore = minZScore;
    }

    public double threshold() {
        return threshold;
    }

    /** Judges {@code metric} for a group whose current window holds {@code current}. */
    public Judgement judge(Metric metric, WindowSums current, RollingBaseline baseline) {
        // The age guard counts windows that hold data: a group busy 6 hours a day has 42 hours of history after a week.
        return metric.kind() != Metric.Kind.VOLUME
                ? judge(metric, current, baseline.previousWeek(), activeWindows(baseline.previousWeek()), 1.0)
                : judge(metric, baseline.lastDay(), baseline.weekBeforeLastDay(), activeWindows(baseline.weekBeforeLastDay()),
                (double) baseline.weekBeforeLastDaySlots() / slotsPerDay);
    }

    private static int activeWindows(WindowSums range) {
        return (int) range.get(Field.ACTIVE_WINDOWS);
    }

    /**
     * @param baselineDays the baseline is divided by this (days covered) for volume metrics, 1 for ratios
     */
    Judgement judge(Metric metric, WindowSums observedSums, WindowSums baselineSums, int baselineSlots, double baselineDays) {
        Field samples = metric.sampleField();
        long windowSamples = observedSums.get(samples);
        long baselineSamples = baselineSums.get(samples);
        double observed = metric.valueOf(observedSums);
        double baseline = baselineDays <= 0 ? Double.NaN : metric.valueOf(baselineSums) / baselineDays;
        if (windowSamples < minWindowSamples || baselineSamples < minBaselineSamples || baselineSlots < minBaselineSlots
                || Double.isNaN(observed) || Double.isNaN(baseline) || baseline <= 0) {
            return Judgement.notJudged(metric, observed, baseline, windowSamples, baselineSamples, baselineSlots);
        }
        double ratio = observed / baseline;
        // Compare against the threshold with a small tolerance so 1.30 x is "at least 30%" despite float rounding.
        boolean anomalous = ratio >= 1 + threshold - 1e-9 && significant(metric, observedSums, baselineSums, observed, baseline, windowSamples);
        double impact = 0;
        if (ratio > 1) {
            impact = metric == Metric.COST_24H ? observed - baseline
                    : observedSums.get(metric.costField()) / 1e9 * (ratio - 1) / ratio;
        }
        return new Judgement(metric, true, anomalous, observed, baseline, ratio, windowSamples, baselineSamples, baselineSlots, impact);
    }

    /**
     * For metrics whose small-window noise is known, the jump must stand out of it by {@code minZScore}:
     * binomial for shares of calls, Poisson for counts per call, and for a latency quantile the share
     * of calls at or above the alert level (a p95 over 40 calls is set by its two slowest calls). The
     * score is the signed root of the likelihood-ratio statistic, which unlike the normal
     * approximation stays honest for small, skewed shares (10 rejections in 40 against 6% is z 3.9,
     * not 5.1). Cost per accepted outcome counts when its acceptance part fell significantly or its
     * cost part alone crossed the threshold.
     */
    private boolean significant(Metric metric, WindowSums observedSums, WindowSums baselineSums, double observed, double baseline,
                                long windowSamples) {
        return switch (metric.kind()) {
            case PROPORTION -> binomialZ(observed, baseline, windowSamples) >= minZScore;
            case COUNT_PER_CALL -> poissonZ(observed, baseline, windowSamples) >= minZScore;
            case QUANTILE -> {
                double level = baseline * (1 + threshold);
                long baselineCount = baselineSums.latency().total();
                // A share never seen in the baseline still has some chance: at least one call in the baseline's count.
                double expected = Math.max(baselineSums.latency().shareAtOrAbove(level), 1.0 / Math.max(1, baselineCount));
                yield binomialZ(observedSums.latency().shareAtOrAbove(level), expected, windowSamples) >= minZScore;
            }
            case PER_ACCEPTED -> {
                double acceptedNow = share(observedSums.get(Field.ACCEPTED), observedSums.get(Field.DECIDED));
                double acceptedBefore = share(baselineSums.get(Field.ACCEPTED), baselineSums.get(Field.DECIDED));
                double costNow = share(observedSums.get(Field.DECIDED_COST_NANOS), observedSums.get(Field.DECIDED));
                double costBefore = share(baselineSums.get(Field.DECIDED_COST_NANOS), baselineSums.get(Field.DECIDED));
                yield -binomialZ(acceptedNow, acceptedBefore, windowSamples) >= minZScore
                        || (costBefore > 0 && costNow / costBefore >= 1 + threshold - 1e-9);
            }
            default -> true;
        };
    }

    private static double share(long part, long whole) {
        return whole == 0 ? Double.NaN : (double) part / whole;
    }

    /** Signed root of the binomial deviance of an observed share against the expected one. */
    static double binomialZ(double observed, double expected, long n) {
        if (Double.isNaN(observed) || Double.isNaN(expected) || expected <= 0 || expected >= 1 || n <= 0) {
            return 0;
        }
        double deviance = 2 * n * (xLogRatio(observed, expected) + xLogRatio(1 - observed, 1 - expected));
        return Math.signum(observed - expected) * Math.sqrt(Math.max(0, deviance));
    }

    /** Signed root of the Poisson deviance of an observed mean count per call against the expected one. */
    static double poissonZ(double observed, double expected, long n) {
        if (Double.isNaN(observed) || expected <= 0 || n <= 0) {
            return 0;
        }
        double deviance = 2 * n * (xLogRatio(observed, expected) - (observed - expected));
        return Math.signum(observed - expected) * Math.sqrt(Math.max(0, deviance));
    }

    private static double xLogRatio(double x, double y) {
        return x <= 0 ? 0 : x * Math.log(x / y);
    }
}
