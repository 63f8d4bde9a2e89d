package io.tokenwatch.streams.anomaly;

/**
 * The verdict on one metric of one group at one moment.
 *
 * @param anomalous     observed >= (1 + threshold) x baseline and every guard passed
 * @param judged        false when a guard (samples, history, zero baseline) kept the metric from being judged
 * @param costImpactUsd estimated spend above what the baseline predicts, in the judged span
 */
public record Judgement(Metric metric, boolean judged, boolean anomalous, double observed, double baseline, double ratio,
                        long windowSamples, long baselineSamples, int baselineSlots, double costImpactUsd) {

    static Judgement notJudged(Metric metric, double observed, double baseline, long windowSamples, long baselineSamples, int baselineSlots) {
        return new Judgement(metric, false, false, observed, baseline, Double.NaN, windowSamples, baselineSamples, baselineSlots, 0);
    }
}
