package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.Outcome;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.tokenwatch.streams.topology.TopologyHarness.HOUR;
import static io.tokenwatch.streams.topology.TopologyHarness.START;
import static org.assertj.core.api.Assertions.assertThat;

/** The anomaly rule end to end through the real topology, driven in event time. */
class AnomalyTopologyTest {
    private static final Instant WEEK_LATER = START.plus(Duration.ofDays(7));

    /** 7 days of 30 calls an hour at 11,000 tokens a call, then {@code n} calls at {@code tokens} in the next hour. */
    private static List<AnomalyAlert> tokensPerCallSpike(TopologyHarness h, long inputTokens, int n) {
        h.history("code-review", START, WEEK_LATER, 30, b -> { }, null);
        h.alerts();
        for (int i = 0; i < n; i++) {
            h.send(h.call("code-review", WEEK_LATER.plusSeconds(60L * i)).setInputTokens(inputTokens).build());
        }
        return h.alerts();
    }

    @Test
    void tokensPerCall30PercentAboveTheWeekAlertsOnceAtTheTwentiethCall() {
        try (TopologyHarness h = new TopologyHarness()) {
            // 13,300 input + 1,000 output = 14,300 tokens a call = 1.30 x 11,000.
            List<AnomalyAlert> alerts = tokensPerCallSpike(h, 13_300, 25);
            assertThat(alerts).hasSize(1);
            AnomalyAlert alert = alerts.get(0);
            assertThat(alert.getMetric()).isEqualTo("tokens_per_call");
            assertThat(alert.getStatus()).isEqualTo(AlertStatus.OPEN);
            assertThat(alert.getDimension()).isEqualTo("task");
            assertThat(alert.getGroup()).isEqualTo("code-review");
            assertThat(alert.getObserved()).isEqualTo(14_300.0);
            assertThat(alert.getBaseline()).isEqualTo(11_000.0);
            assertThat(alert.getRatio()).isCloseTo(1.30, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(alert.getWindowCalls()).isEqualTo(20);
            assertThat(alert.getBaselineCalls()).isEqualTo(168 * 30);
            assertThat(alert.getBaselineHours()).isEqualTo(168);
            assertThat(alert.getWindowStart()).isEqualTo(WEEK_LATER);
            assertThat(alert.getAlertId()).isEqualTo("task|code-review|tokens_per_call|" + WEEK_LATER);
            // Cost impact: the share of the window's $0.20 above baseline: 0.20 x 0.3 / 1.3.
            assertThat(alert.getCostImpactUsd()).isCloseTo(0.20 * 0.3 / 1.3, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(alert.getTopContributors()).anySatisfy(c -> {
                assertThat(c.getKind()).isEqualTo("model");
                assertThat(c.getValue()).isEqualTo("claude-sonnet-4-5");
                assertThat(c.getShare()).isEqualTo(1.0);
            });
            // The same run as /metrics counts it: every call in, one tokens_per_call alert opened.
            assertThat(h.meters.get("tokenwatch.events.in").tag("type", "call").counter().count()).isEqualTo(168 * 30 + 25);
            assertThat(h.meters.get("tokenwatch.alerts").tag("metric", "tokens_per_call").tag("status", "OPEN").counter().count()).isEqualTo(1);
            assertThat(h.meters.get("tokenwatch.calls.unpriced").counter().count()).isZero();
        }
    }

    @Test
    void theBaselineAgeGuardCountsHoursThatHoldDataNotTimeSinceTheFirstCall() {
        try (TopologyHarness h = new TopologyHarness(Map.of("tokenwatch.anomaly.metrics", "tokens_per_call"))) {
            // A week in which "nights-off" is busy 6 hours a day (41 hours with data in the baseline) and "long-days" 8 hours (55).
            for (int day = 0; day < 7; day++) {
                for (int hour = 9; hour < 17; hour++) {
                    Instant from = START.plus(Duration.ofDays(day)).plus(Duration.ofHours(hour));
                    if (hour < 15) {
                        h.history("nights-off", from, from.plus(Duration.ofHours(1)), 40, b -> { }, null);
                    }
                    h.history("long-days", from, from.plus(Duration.ofHours(1)), 40, b -> { }, null);
                }
            }
            Instant incident = WEEK_LATER.plus(Duration.ofHours(10));
            for (int i = 0; i < 25; i++) {
                h.send(h.call("nights-off", incident.plusSeconds(60L * i)).setInputTokens(30_000).build());
                h.send(h.call("long-days", incident.plusSeconds(60L * i + 30)).setInputTokens(30_000).build());
            }
            List<AnomalyAlert> alerts = h.alerts();
            assertThat(alerts).extracting(AnomalyAlert::getGroup).containsExactly("long-days");
            // The 168 hours before 10:00 on day 7 start at 10:00 on day 0: day 0's 09:00 hour is outside.
            assertThat(alerts.get(0).getBaselineHours()).as("hours of the week before that hold calls").isEqualTo(55);
        }
    }

    @Test
    void anOpenEpisodeOfAGroupThatGoesQuietIsResolvedAsExpiredBeforeItsStateIsForgotten() {
        try (TopologyHarness h = new TopologyHarness()) {
            List<AnomalyAlert> opened = tokensPerCallSpike(h, 30_000, 25);
            assertThat(opened).extracting(AnomalyAlert::getStatus).contains(AlertStatus.OPEN);
            Instant nineDaysLater = WEEK_LATER.plus(Duration.ofDays(9));
            h.send(h.call("other-task", nineDaysLater).build());
            List<AnomalyAlert> resolved = h.alerts();
            assertThat(resolved).isNotEmpty().allSatisfy(a -> {
                assertThat(a.getGroup()).isEqualTo("code-review");
                assertThat(a.getStatus()).isEqualTo(AlertStatus.RESOLVED);
                assertThat(a.getResolvedReason()).isEqualTo("expired");
                assertThat(a.getUpdatedAt()).as("when event time passed the span").isBetween(nineDaysLater.minusSeconds(1), nineDaysLater);
            });
            assertThat(resolved).extracting(AnomalyAlert::getAlertId)
                    .containsExactlyInAnyOrderElementsOf(opened.stream().map(AnomalyAlert::getAlertId).distinct().toList());
            assertThat(h.driver.<String, byte[]>getKeyValueStore(GroupAnomalyDetector.BASELINES).get("task|code-review")).isNull();
        }
    }

    @Test
    void tokensPerCall29PercentAboveDoesNotAlertAnd31PercentDoes() {
        try (TopologyHarness h = new TopologyHarness()) {
            assertThat(tokensPerCallSpike(h, 13_190, 60)).isEmpty(); // 14,190 = 1.29 x 11,000
        }
        try (TopologyHarness h = new TopologyHarness()) {
            assertThat(tokensPerCallSpike(h, 13_410, 60)).extracting(AnomalyAlert::getMetric).contains("tokens_per_call"); // 14,410 = 1.31 x 11,000
        }
    }

    @Test
    void tooFewCallsInTheWindowDoNotAlert() {
        try (TopologyHarness h = new TopologyHarness()) {
            assertThat(tokensPerCallSpike(h, 30_000, 19)).isEmpty();
            h.send(h.call("code-review", WEEK_LATER.plusSeconds(1_500)).setInputTokens(30_000).build());
            assertThat(h.alerts()).extracting(AnomalyAlert::getMetric).containsExactly("tokens_per_call");
        }
    }

    @Test
    void tooLittleHistoryDoesNotAlertAndEnoughDoes() {
        for (int hours : new int[]{36, 72}) {
            try (TopologyHarness h = new TopologyHarness()) {
                Instant end = START.plus(Duration.ofHours(hours));
                h.history("code-review", START, end, 30, b -> { }, null); // 30 calls an hour: 1,080 in 36 h, yet under the 48 h age guard
                for (int i = 0; i < 40; i++) {
                    h.send(h.call("code-review", end.plusSeconds(60L * i)).setInputTokens(40_000).build());
                }
                if (hours < 48) {
                    assertThat(h.alerts()).as("36 hours of history").isEmpty();
                } else {
                    assertThat(h.alerts()).as("72 hours of history").extracting(AnomalyAlert::getMetric).contains("tokens_per_call");
                }
            }
        }
    }

    @Test
    void ordinaryDaytimePeakDoesNotAlertButADay40PercentAboveDoes() {
        try (TopologyHarness h = new TopologyHarness(Map.of("tokenwatch.anomaly.metrics", "calls_24h"))) {
            // Quiet nights (10 calls/h), busy days (60 calls/h from 09:00 to 18:00 UTC), for 8 days.
            Instant eightDays = START.plus(Duration.ofDays(8));
            for (Instant hour = START; hour.isBefore(eightDays); hour = hour.plusMillis(HOUR)) {
                int utcHour = hour.atZone(java.time.ZoneOffset.UTC).getHour();
                h.history("code-review", hour, hour.plusMillis(HOUR), utcHour >= 9 && utcHour < 18 ? 60 : 10, b -> { }, null);
            }
            assertThat(h.alerts()).as("day 8's peak is like the 7 before it").isEmpty();

            Instant ninthDayEnd = eightDays.plus(Duration.ofDays(1));
            for (Instant hour = eightDays; hour.isBefore(ninthDayEnd); hour = hour.plusMillis(HOUR)) {
                int utcHour = hour.atZone(java.time.ZoneOffset.UTC).getHour();
                h.history("code-review", hour, hour.plusMillis(HOUR), utcHour >= 9 && utcHour < 18 ? 84 : 14, b -> { }, null);
            }
            List<AnomalyAlert> alerts = h.alerts();
            assertThat(alerts).isNotEmpty();
            AnomalyAlert first = alerts.get(0);
            assertThat(first.getMetric()).isEqualTo("calls_24h");
            assertThat(first.getStatus()).isEqualTo(AlertStatus.OPEN);
            assertThat(first.getBaseline()).isEqualTo(15 * 10 + 9 * 60); // 690 calls a day
            assertThat(first.getRatio()).isGreaterThanOrEqualTo(1.3);
            assertThat(first.getUpdatedAt()).isAfter(eightDays.plus(Duration.ofHours(12)));
            assertThat(alerts).filteredOn(a -> a.getStatus() == AlertStatus.OPEN).hasSize(1);
        }
    }

    @Test
    void cacheHitRatioFallingFrom70To40PercentAlertsAsCacheMissRatio() {
        try (TopologyHarness h = new TopologyHarness(Map.of("tokenwatch.anomaly.metrics", "cache_miss_ratio"))) {
            h.history("code-review", START, WEEK_LATER, 30, b -> b.setCacheReadTokens(7_000), null);
            for (int i = 0; i < 20; i++) {
                h.send(h.call("code-review", WEEK_LATER.plusSeconds(60L * i)).setCacheReadTokens(4_000).build());
            }
            List<AnomalyAlert> alerts = h.alerts();
            assertThat(alerts).hasSize(1);
            assertThat(alerts.get(0).getMetric()).isEqualTo("cache_miss_ratio");
            assertThat(alerts.get(0).getObserved()).isCloseTo(0.6, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(alerts.get(0).getBaseline()).isCloseTo(0.3, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(alerts.get(0).getRatio()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    @Test
    void retryRateAndLatencyAlert() {
        try (TopologyHarness h = new TopologyHarness(Map.of("tokenwatch.anomaly.metrics", "retry_rate,latency_p95"))) {
            // History: 1 call in 10 retried, latency 1 s; then every other call retried, latency 3 s.
            int[] n = {0};
            h.history("code-review", START, WEEK_LATER, 30, b -> b.setRetryCount(n[0]++ % 10 == 0 ? 1 : 0), null);
            for (int i = 0; i < 30; i++) {
                h.send(h.call("code-review", WEEK_LATER.plusSeconds(60L * i)).setRetryCount(i % 2).setLatencyMs(3_000).build());
            }
            List<AnomalyAlert> alerts = h.alerts();
            assertThat(alerts).extracting(AnomalyAlert::getMetric).containsExactlyInAnyOrder("retry_rate", "latency_p95");
            AnomalyAlert retry = alerts.stream().filter(a -> a.getMetric().equals("retry_rate")).findFirst().orElseThrow();
            assertThat(retry.getObserved()).isEqualTo(0.5);
            assertThat(retry.getBaseline()).isEqualTo(0.1);
            // 10 of 20 retried is already 5x, but only at 13 of 26 does the jump stand 5 standard errors clear of noise.
            assertThat(retry.getWindowCalls()).isEqualTo(26);
            AnomalyAlert latency = alerts.stream().filter(a -> a.getMetric().equals("latency_p95")).findFirst().orElseThrow();
            // Sketch buckets are within ~9%: 1 s and 3 s land near 1,000 and 3,000 ms.
            assertThat(latency.getBaseline()).isBetween(920.0, 1_090.0);
            assertThat(latency.getObserved()).isBetween(2_750.0, 3_270.0);
        }
    }

    @Test
    void costPerAcceptedOutcomeAlertsWhenAcceptanceCollapses() {
        try (TopologyHarness h = new TopologyHarness(Map.of("tokenwatch.anomaly.metrics", "cost_per_accepted"))) {
            // History: 8 in 10 accepted, so $0.01 / 0.8 = $0.0125 per accepted outcome.
            h.history("code-review", START, WEEK_LATER, 30, b -> { }, i -> i % 10 < 8 ? Outcome.ACCEPTED : Outcome.REJECTED);
            assertThat(h.alerts()).isEmpty();
            // Now 3 in 10 accepted: $0.0333 per accepted outcome, 2.67 x.
            h.history("code-review", WEEK_LATER, WEEK_LATER.plusMillis(HOUR), 30, b -> { }, i -> i % 10 < 3 ? Outcome.ACCEPTED : Outcome.REJECTED);
            List<AnomalyAlert> alerts = h.alerts();
            assertThat(alerts).isNotEmpty();
            assertThat(alerts.get(0).getMetric()).isEqualTo("cost_per_accepted");
            assertThat(alerts.get(0).getBaseline()).isCloseTo(0.0125, org.assertj.core.data.Offset.offset(1e-9));
            // 6 of 20 accepted is already 2.7x the cost per accepted outcome, but the acceptance drop
            // first stands 5 standard errors clear of noise at 9 of 26.
            assertThat(alerts.get(0).getWindowCalls()).as("decided calls in the window").isEqualTo(26);
            // Raised by the 26th decision (call 25, two minutes apart, decided 30 s later): its time, not its call's.
            assertThat(alerts.get(0).getUpdatedAt()).isEqualTo(WEEK_LATER.plusSeconds(25 * 120 + 30));
            assertThat(alerts.get(0).getRatio()).isGreaterThanOrEqualTo(1.3);
        }
    }

    @Test
    void escalatesTheSameAlertPastTwiceTheBaselineAndNeverDuplicatesIt() {
        try (TopologyHarness h = new TopologyHarness(Map.of("tokenwatch.anomaly.metrics", "tokens_per_call"))) {
            List<AnomalyAlert> opened = tokensPerCallSpike(h, 14_000, 20); // 15,000 = 1.36 x
            assertThat(opened).hasSize(1);
            for (int i = 0; i < 10; i++) {
                h.send(h.call("code-review", WEEK_LATER.plusSeconds(1_300 + i)).setInputTokens(14_000).build());
            }
            assertThat(h.alerts()).as("still 1.36 x: no new alert").isEmpty();
            for (int i = 0; i < 40; i++) {
                h.send(h.call("code-review", WEEK_LATER.plusSeconds(1_400 + i)).setInputTokens(60_000).build());
            }
            List<AnomalyAlert> escalated = h.alerts();
            assertThat(escalated).extracting(AnomalyAlert::getStatus).containsOnly(AlertStatus.ESCALATED);
            assertThat(escalated).extracting(AnomalyAlert::getAlertId).containsOnly(opened.get(0).getAlertId());
            assertThat(escalated).extracting(AnomalyAlert::getSeverityStep).containsExactly(2.0, 3.0);
        }
    }

    @Test
    void episodeResolvesAfterAFullWindowBackUnderTheThreshold() {
        try (TopologyHarness h = new TopologyHarness(Map.of("tokenwatch.anomaly.metrics", "tokens_per_call"))) {
            List<AnomalyAlert> opened = tokensPerCallSpike(h, 20_000, 20);
            assertThat(opened).hasSize(1);
            h.history("code-review", WEEK_LATER.plusMillis(HOUR), WEEK_LATER.plusMillis(3 * HOUR), 30, b -> { }, null);
            List<AnomalyAlert> after = h.alerts();
            assertThat(after).extracting(AnomalyAlert::getStatus).containsExactly(AlertStatus.RESOLVED);
            assertThat(after.get(0).getAlertId()).isEqualTo(opened.get(0).getAlertId());
        }
    }

    @Test
    void twoDimensionsAlertIndependently() {
        try (TopologyHarness h = new TopologyHarness(Map.of("tokenwatch.dimensions", "task,model",
                "tokenwatch.anomaly.metrics", "tokens_per_call"))) {
            h.history("code-review", START, WEEK_LATER, 30, b -> { }, null);
            h.history("test-generation", START, WEEK_LATER, 30, b -> b.setModel("gpt-5"), null);
            for (int i = 0; i < 25; i++) {
                h.send(h.call("code-review", WEEK_LATER.plusSeconds(60L * i)).setInputTokens(20_000).build());
                h.send(h.call("test-generation", WEEK_LATER.plusSeconds(60L * i)).setModel("gpt-5").build());
            }
            assertThat(h.alerts()).extracting(a -> a.getDimension() + "=" + a.getGroup())
                    .containsExactlyInAnyOrder("task=code-review", "model=claude-sonnet-4-5");
        }
    }
}
