package io.tokenwatch.streams.anomaly;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.streams.stats.WindowSums;
import io.tokenwatch.streams.stats.WindowSums.Field;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AnomalyRuleTest {
    private final AnomalyRule rule = new AnomalyRule(0.30, 20, 200, 48, 24, 4.0);

    private static WindowSums calls(long calls, long tokensEach) {
        return new WindowSums().add(Field.CALLS, calls).add(Field.INPUT_TOKENS, calls * tokensEach);
    }

    @Test
    void thresholdIsInclusiveAt30Percent() {
        WindowSums baseline = calls(5_000, 10_000);
        assertThat(rule.judge(Metric.TOKENS_PER_CALL, calls(20, 13_000), baseline, 168, 1).anomalous()).isTrue();
        assertThat(rule.judge(Metric.TOKENS_PER_CALL, calls(20, 12_999), baseline, 168, 1).anomalous()).isFalse();
    }

    @Test
    void guardsKeepSmallSamplesYoungBaselinesAndZeroBaselinesFromBeingJudged() {
        WindowSums baseline = calls(5_000, 10_000);
        assertThat(rule.judge(Metric.TOKENS_PER_CALL, calls(19, 50_000), baseline, 168, 1).judged()).isFalse();
        assertThat(rule.judge(Metric.TOKENS_PER_CALL, calls(20, 50_000), calls(199, 10_000), 168, 1).judged()).isFalse();
        assertThat(rule.judge(Metric.TOKENS_PER_CALL, calls(20, 50_000), baseline, 47, 1).judged()).isFalse();
        assertThat(rule.judge(Metric.TOKENS_PER_CALL, calls(20, 50_000), calls(5_000, 0), 168, 1).judged()).isFalse();
    }

    @Test
    void volumeIsComparedWithTheDailyAverageOfTheDaysCovered() {
        // 3 days of history with 1,000 calls a day; the last 24 h had 1,300.
        Judgement j = rule.judge(Metric.CALLS_24H, calls(1_300, 1), calls(3_000, 1), 72, 3.0);
        assertThat(j.baseline()).isEqualTo(1_000);
        assertThat(j.ratio()).isEqualTo(1.3);
        assertThat(j.anomalous()).isTrue();
    }

    @Test
    void shareOfCallsMetricsNeedAStatisticallyClearJump() {
        WindowSums baseline = new WindowSums().add(Field.CALLS, 5_000).add(Field.RETRIED_CALLS, 500); // 10%
        // 3 of 21 retried is 1.43 x but well within binomial noise; 10 of 20 is not.
        assertThat(rule.judge(Metric.RETRY_RATE, new WindowSums().add(Field.CALLS, 21).add(Field.RETRIED_CALLS, 3), baseline, 168, 1).anomalous()).isFalse();
        assertThat(rule.judge(Metric.RETRY_RATE, new WindowSums().add(Field.CALLS, 20).add(Field.RETRIED_CALLS, 10), baseline, 168, 1).anomalous()).isTrue();
    }

    @Test
    void likelihoodRatioScoreStaysHonestForSmallSkewedShares() {
        assertThat(AnomalyRule.binomialZ(10.0 / 40, 0.0597, 40)).isBetween(3.8, 3.95);
        assertThat(AnomalyRule.binomialZ(0.45, 0.03, 40)).isGreaterThan(8);
        assertThat(AnomalyRule.poissonZ(1.0, 1.0, 40)).isZero();
    }

    @Test
    void costPerAcceptedNeedsAClearAcceptanceDropOrACostJump() {
        WindowSums baseline = new WindowSums().add(Field.DECIDED, 5_000).add(Field.ACCEPTED, 4_000).add(Field.DECIDED_COST_NANOS, 5_000_000_000L);
        // 27 of 44 accepted against 80%: cost per accepted 1.31x, but the drop is about 3 sigma: noise.
        WindowSums unlucky = new WindowSums().add(Field.DECIDED, 44).add(Field.ACCEPTED, 27).add(Field.DECIDED_COST_NANOS, 44_000_000L);
        WindowSums collapse = new WindowSums().add(Field.DECIDED, 40).add(Field.ACCEPTED, 12).add(Field.DECIDED_COST_NANOS, 40_000_000L);
        assertThat(rule.judge(Metric.COST_PER_ACCEPTED, unlucky, baseline, 168, 1).ratio()).isGreaterThan(1.3);
        assertThat(rule.judge(Metric.COST_PER_ACCEPTED, unlucky, baseline, 168, 1).anomalous()).isFalse();
        assertThat(rule.judge(Metric.COST_PER_ACCEPTED, collapse, baseline, 168, 1).anomalous()).isTrue();
    }

    @Test
    void latencyQuantileNeedsManyCallsAboveTheAlertLevelNotJustTwoSlowOnes() {
        WindowSums baseline = new WindowSums().add(Field.CALLS, 5_000);
        for (int i = 0; i < 5_000; i++) {
            baseline.latency().record(i % 100 < 97 ? 1_000 : 2_500); // 3% retried calls, 2.5x slower
        }
        WindowSums twoSlow = new WindowSums().add(Field.CALLS, 40);
        WindowSums allSlow = new WindowSums().add(Field.CALLS, 40);
        for (int i = 0; i < 40; i++) {
            twoSlow.latency().record(i < 3 ? 2_500 : 1_000);
            allSlow.latency().record(2_000);
        }
        Judgement unlucky = rule.judge(Metric.LATENCY_P95, twoSlow, baseline, 168, 1);
        assertThat(unlucky.ratio()).as("3 of 40 slow calls put the p95 on them").isGreaterThan(1.3);
        assertThat(unlucky.anomalous()).isFalse();
        assertThat(rule.judge(Metric.LATENCY_P95, allSlow, baseline, 168, 1).anomalous()).isTrue();
    }

    @Test
    void episodeOpensEscalatesPerStepAndResolvesAfterAQuietWindow() {
        EpisodePolicy policy = new EpisodePolicy(0.30, new double[]{2.0, 3.0}, 3_600_000);
        Judgement high = new Judgement(Metric.COST_PER_CALL, true, true, 1.4, 1, 1.4, 20, 300, 168, 0.1);
        Judgement higher = new Judgement(Metric.COST_PER_CALL, true, true, 2.5, 1, 2.5, 20, 300, 168, 0.1);
        Judgement normal = new Judgement(Metric.COST_PER_CALL, true, false, 1.0, 1, 1.0, 20, 300, 168, 0);

        EpisodePolicy.Decision open = policy.decide(null, high, "task|x|cost_per_call", 1_000, 0);
        assertThat(open.emit()).isEqualTo(AlertStatus.OPEN);
        assertThat(open.episode().severityStep()).isEqualTo(1.3);
        assertThat(policy.decide(open.episode(), high, "task|x|cost_per_call", 2_000, 0).emit()).isNull();
        EpisodePolicy.Decision escalated = policy.decide(open.episode(), higher, "task|x|cost_per_call", 3_000, 0);
        assertThat(escalated.emit()).isEqualTo(AlertStatus.ESCALATED);
        assertThat(escalated.episode().severityStep()).isEqualTo(2.0);
        assertThat(escalated.episode().alertId()).isEqualTo(open.episode().alertId());
        assertThat(policy.decide(escalated.episode(), normal, "task|x|cost_per_call", 3_000 + 3_599_999, 0).emit()).isNull();
        EpisodePolicy.Decision resolved = policy.decide(escalated.episode(), normal, "task|x|cost_per_call", 3_000 + 3_600_000, 0);
        assertThat(resolved.emit()).isEqualTo(AlertStatus.RESOLVED);
        assertThat(resolved.episode()).isNull();
    }
}
