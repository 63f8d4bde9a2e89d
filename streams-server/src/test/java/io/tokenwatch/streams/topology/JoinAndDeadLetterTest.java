package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.GroupWindowStats;
import io.tokenwatch.events.v1.JoinedCall;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.events.v1.OutcomeState;
import io.tokenwatch.events.v1.SessionSummary;
import io.tokenwatch.events.v1.SpendType;
import io.tokenwatch.streams.errors.DeadLetterHandler;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.tokenwatch.streams.topology.TopologyHarness.START;
import static io.tokenwatch.streams.topology.TopologyHarness.header;
import static org.assertj.core.api.Assertions.assertThat;

class JoinAndDeadLetterTest {
    private static final Instant T = START.plus(Duration.ofMinutes(10));

    private static Map<String, JoinedCall> latestJoined(TopologyHarness h) {
        return h.joined.readKeyValuesToMap();
    }

    private static GroupWindowStats latestStats(TopologyHarness h, Instant windowStart) {
        Map<String, GroupWindowStats> byKey = h.stats.readKeyValuesToMap();
        return byKey.get("task|code-review|" + windowStart);
    }

    @Test
    void joinsEveryKindOfOutcomeInEitherOrderAndReportsAbandonedCalls() {
        try (TopologyHarness h = new TopologyHarness()) {
            LlmCall accepted = h.call("code-review", T).build();
            LlmCall edited = h.call("code-review", T.plusSeconds(1)).build();
            LlmCall rejected = h.call("code-review", T.plusSeconds(2)).build();
            LlmCall abandoned = h.call("code-review", T.plusSeconds(3)).build();
            LlmCall outcomeFirst = h.call("code-review", T.plusSeconds(4)).build();
            h.sendOutcome(outcomeFirst.getCallId(), Outcome.ACCEPTED, T.plusSeconds(4));
            for (LlmCall c : List.of(accepted, edited, rejected, abandoned, outcomeFirst)) {
                h.send(c);
            }
            h.sendOutcome(accepted.getCallId(), Outcome.ACCEPTED, T.plusSeconds(60));
            h.sendOutcome(edited.getCallId(), Outcome.EDITED, T.plusSeconds(61));
            h.sendOutcome(rejected.getCallId(), Outcome.REJECTED, T.plusSeconds(62));

            Map<String, JoinedCall> joined = latestJoined(h);
            assertThat(joined).containsOnlyKeys(accepted.getCallId(), edited.getCallId(), rejected.getCallId(), outcomeFirst.getCallId());
            assertThat(joined.get(accepted.getCallId()).getSpendType()).isEqualTo(SpendType.PRODUCTIVE);
            assertThat(joined.get(edited.getCallId()).getOutcomeState()).isEqualTo(OutcomeState.EDITED);
            assertThat(joined.get(rejected.getCallId()).getSpendType()).isEqualTo(SpendType.REJECTED);
            assertThat(joined.get(outcomeFirst.getCallId()).getOutcomeState()).isEqualTo(OutcomeState.ACCEPTED);
            assertThat(joined.get(outcomeFirst.getCallId()).getCall()).isEqualTo(outcomeFirst);

            // Stream time passes the 24 h outcome window (+10 min grace) through a later call.
            h.send(h.call("code-review", T.plus(Duration.ofHours(24)).plus(Duration.ofMinutes(11))).build());
            Map<String, JoinedCall> later = latestJoined(h);
            assertThat(later).containsOnlyKeys(abandoned.getCallId());
            assertThat(later.get(abandoned.getCallId()).getOutcomeState()).isEqualTo(OutcomeState.NONE);
            assertThat(later.get(abandoned.getCallId()).getSpendType()).isEqualTo(SpendType.ABANDONED);

            GroupWindowStats window = latestStats(h, START);
            assertThat(window.getCalls()).isEqualTo(5);
            assertThat(window.getDecided()).isEqualTo(4);
            assertThat(window.getAccepted()).isEqualTo(3);
            assertThat(window.getRejected()).isEqualTo(1);
            assertThat(window.getAbandoned()).isEqualTo(1);
            assertThat(window.getAbandonedCostUsd()).isEqualByComparingTo("0.01");
            assertThat(window.getCostUsd()).isEqualByComparingTo("0.05");
            assertThat(window.getCostPerAccepted()).isCloseTo(0.04 / 3, org.assertj.core.data.Offset.offset(1e-12));
            assertThat(window.getAcceptanceRate()).isEqualTo(0.75);
        }
    }

    @Test
    void aLaterOutcomeReplacesTheEarlierOneAndReEmitsTheWindow() {
        try (TopologyHarness h = new TopologyHarness()) {
            LlmCall call = h.call("code-review", T).build();
            h.send(call);
            h.sendOutcome(call.getCallId(), Outcome.ACCEPTED, T.plusSeconds(60));
            assertThat(latestStats(h, START).getAccepted()).isEqualTo(1);
            h.sendOutcome(call.getCallId(), Outcome.REVERTED, T.plus(Duration.ofHours(5)));
            GroupWindowStats window = latestStats(h, START);
            assertThat(window.getAccepted()).isZero();
            assertThat(window.getRejected()).isEqualTo(1);
            assertThat(window.getDecided()).isEqualTo(1);
            assertThat(latestJoined(h).get(call.getCallId()).getOutcomeState()).isEqualTo(OutcomeState.REVERTED);
        }
    }

    @Test
    void lateCallWithinGraceUpdatesItsWindowAndBeyondGraceGoesToTheDeadLetterTopic() {
        try (TopologyHarness h = new TopologyHarness()) {
            h.send(h.call("code-review", T).build());
            h.send(h.call("code-review", START.plus(Duration.ofMinutes(90))).build()); // stream time 01:30
            LlmCall withinGrace = h.call("code-review", T.plusSeconds(5)).build();      // window 00:00-01:00, grace to 02:00
            h.send(withinGrace);
            assertThat(latestStats(h, START).getCalls()).isEqualTo(2);

            h.send(h.call("code-review", START.plus(Duration.ofMinutes(150))).build()); // stream time 02:30
            LlmCall tooLate = h.call("code-review", T.plusSeconds(6)).build();
            h.send(tooLate);
            assertThat(h.stats.readKeyValuesToMap()).doesNotContainKey("task|code-review|" + START);
            List<TestRecord<byte[], byte[]>> dead = h.deadLetters();
            assertThat(dead).hasSize(1);
            assertThat(header(dead.get(0), DeadLetterHandler.REASON_HEADER)).isEqualTo("late");
            assertThat(new String(dead.get(0).key())).isEqualTo(tooLate.getCallId());
            assertThat(header(dead.get(0), DeadLetterHandler.HEADER_TOPIC)).isEqualTo("llm.calls.v1");
            assertThat(header(dead.get(0), DeadLetterHandler.HEADER_OFFSET)).isEqualTo("4");
            assertThat(header(dead.get(0), DeadLetterHandler.HEADER_MESSAGE)).contains("later than its window's end plus grace");
        }
    }

    @Test
    void duplicateCallIsCountedOnceAndDeadLettered() {
        try (TopologyHarness h = new TopologyHarness()) {
            LlmCall call = h.call("code-review", T).build();
            h.send(call);
            h.send(LlmCall.newBuilder(call).setTimestamp(T.plusSeconds(1)).build());
            assertThat(h.stats.readValuesToList()).extracting(GroupWindowStats::getCalls).containsExactly(1L);
            List<TestRecord<byte[], byte[]>> dead = h.deadLetters();
            assertThat(dead).hasSize(1);
            assertThat(header(dead.get(0), DeadLetterHandler.REASON_HEADER)).isEqualTo("duplicate");
        }
    }

    @Test
    void poisonPillsLandInTheDeadLetterTopicWithTheirOriginalBytesAndTheNextRecordIsProcessed() {
        try (TopologyHarness h = new TopologyHarness()) {
            LlmCall good = h.call("code-review", T).build();
            h.send(good);
            byte[] badMagic = {0x42, 0, 0, 0, 1, 2, 3};
            byte[] unknownId = {0, 0, 0, 0x7f, 0x7f, 2, 3};
            h.sendRawCall("bad-1", badMagic, T.plusSeconds(1));
            h.sendRawCall("bad-2", unknownId, T.plusSeconds(2));
            h.send(h.call("code-review", T.plusSeconds(3)).setOutputTokens(-5).build());
            h.send(h.call("code-review", T.plusSeconds(4)).setCacheReadTokens(20_000).build());
            h.send(h.call("code-review", T.plusSeconds(5)).build());

            List<TestRecord<byte[], byte[]>> dead = h.deadLetters();
            assertThat(dead).extracting(r -> header(r, DeadLetterHandler.REASON_HEADER))
                    .containsExactly("malformed", "unknown-schema-id", "invalid", "invalid");
            assertThat(dead.get(0).value()).containsExactly(badMagic);
            assertThat(dead.get(1).value()).containsExactly(unknownId);
            assertThat(header(dead.get(0), DeadLetterHandler.HEADER_MESSAGE)).contains("magic byte 0x42");
            assertThat(header(dead.get(1), DeadLetterHandler.HEADER_MESSAGE)).contains("unknown schema id");
            assertThat(header(dead.get(2), DeadLetterHandler.HEADER_MESSAGE)).contains("output_tokens is negative (-5)");
            assertThat(header(dead.get(3), DeadLetterHandler.HEADER_MESSAGE)).contains("exceed input_tokens");
            assertThat(header(dead.get(2), DeadLetterHandler.HEADER_EXCEPTION)).endsWith("RejectedRecordException");
            assertThat(dead).extracting(r -> header(r, DeadLetterHandler.HEADER_PARTITION)).containsOnly("0");
            assertThat(latestStats(h, START).getCalls()).as("good records before and after are processed").isEqualTo(2);
        }
    }

    @Test
    void futureEventsMisKeyedOutcomesAndOutcomesWhoseCallNeverCameEachGetTheirOwnReason() {
        try (TopologyHarness h = new TopologyHarness()) {
            LlmCall call = h.call("code-review", T).build();
            h.send(call);
            // Dated two hours ahead of the (driver's) clock: refused, and event time does not jump with it.
            LlmCall future = h.call("code-review", T.plus(Duration.ofHours(2))).build();
            h.calls.pipeInput(future.getCallId(), future, T.toEpochMilli());
            h.tick();
            h.outcomes.pipeInput("not-" + call.getCallId(), CallOutcome.newBuilder().setCallId(call.getCallId()).setOutcome(Outcome.ACCEPTED)
                    .setDecidedAt(T.plusSeconds(30)).setDecidedBy("ci").build(), T.plusSeconds(30).toEpochMilli());
            h.tick();
            h.sendOutcome("never-sent", Outcome.ACCEPTED, T.plusSeconds(40));
            assertThat(h.deadLetters()).extracting(r -> header(r, DeadLetterHandler.REASON_HEADER)).containsExactly("future", "key-mismatch");

            h.send(h.call("code-review", T.plus(Duration.ofHours(24)).plus(Duration.ofMinutes(11))).build()); // calls read past its deadline (decided + 24 h 10 min)
            List<TestRecord<byte[], byte[]>> dead = h.deadLetters();
            assertThat(dead).extracting(r -> header(r, DeadLetterHandler.REASON_HEADER)).containsExactly("unmatched-outcome");
            assertThat(new String(dead.get(0).key())).isEqualTo("never-sent");
            assertThat(header(dead.get(0), DeadLetterHandler.HEADER_TOPIC)).isEqualTo("llm.outcomes.v1");
            assertThat(header(dead.get(0), DeadLetterHandler.HEADER_MESSAGE)).contains("never met its call");
            CallOutcome sent = h.topics.outcomes().values().deserializer().deserialize(h.config.outcomesTopic, dead.get(0).value());
            assertThat(sent.getCallId()).as("the bytes as they were sent").isEqualTo("never-sent");
            assertThat(sent.getDecidedAt()).isEqualTo(T.plusSeconds(40));
            assertThat(latestJoined(h).get(call.getCallId()).getOutcomeState()).as("the call itself was never decided").isEqualTo(OutcomeState.NONE);
        }
    }

    @Test
    void sessionSummaryTotalsCallsCostAndOutcomesPerAgentSession() {
        try (TopologyHarness h = new TopologyHarness()) {
            LlmCall first = h.call("code-review", T).setSessionId("s-1").setCallSeq(1).setAgent("review-bot").setRetryCount(2).build();
            LlmCall second = h.call("code-review", T.plus(Duration.ofMinutes(20))).setSessionId("s-1").setCallSeq(2)
                    .setAgent("review-bot").setCostUsd(new BigDecimal("0.025000000")).build();
            LlmCall otherSession = h.call("code-review", T.plus(Duration.ofMinutes(90))).setSessionId("s-1").setCallSeq(3).build();
            h.send(first);
            h.send(second);
            h.sendOutcome(second.getCallId(), Outcome.ACCEPTED, T.plus(Duration.ofMinutes(25)));
            h.send(otherSession); // 70 min after the last call: beyond the 30 min gap, a new session
            var all = h.sessions.readKeyValuesToList();
            assertThat(h.deadLetters()).isEmpty();
            Map<String, SessionSummary> sessions = new java.util.HashMap<>();
            all.forEach(kv -> sessions.put(kv.key, kv.value));
            SessionSummary s = sessions.get("s-1|" + T);
            assertThat(s.getCalls()).isEqualTo(2);
            assertThat(s.getCostUsd()).isEqualByComparingTo("0.035");
            assertThat(s.getRetries()).isEqualTo(2);
            assertThat(s.getAccepted()).isEqualTo(1);
            assertThat(s.getInputTokens()).isEqualTo(20_000);
            assertThat(s.getAgent()).isEqualTo("review-bot");
            assertThat(s.getEnd()).isEqualTo(T.plus(Duration.ofMinutes(20)));
            assertThat(sessions.get("s-1|" + T.plus(Duration.ofMinutes(90))).getCalls()).isEqualTo(1);
        }
    }

    @Test
    void groupsQuietForLongerThanTheBaselineSpanAreForgottenWhenEventTimePassesThem() {
        try (TopologyHarness h = new TopologyHarness()) {
            h.send(h.call("retired-task", T).build());
            var baselines = h.driver.<String, byte[]>getKeyValueStore(GroupAnomalyDetector.BASELINES);
            var windows = h.driver.<org.apache.kafka.common.utils.Bytes, byte[]>getKeyValueStore(GroupAnomalyDetector.WINDOW_SUMS);
            h.send(h.call("code-review", T.plus(Duration.ofDays(8))).build());
            assertThat(baselines.get("task|retired-task")).as("8 days later: still within the span kept").isNotNull();
            h.send(h.call("code-review", T.plus(Duration.ofDays(8)).plus(Duration.ofHours(1))).build());
            assertThat(baselines.get("task|retired-task")).isNull();
            assertThat(windows.get(GroupAnomalyDetector.windowKey("task|retired-task", T.toEpochMilli() / 3_600_000))).isNull();
            assertThat(baselines.get("task|code-review")).as("the active group stays").isNotNull();
        }
    }

    @Test
    void wallClockClosesOutcomeWindowsOnAQuietPartition() {
        try (TopologyHarness h = new TopologyHarness(Map.of("tokenwatch.outcome.window", "PT1M", "tokenwatch.outcome.grace", "PT1S"))) {
            // The call is "now" by the driver's wall clock; nothing else arrives, and both inputs are caught up.
            LlmCall call = h.call("code-review", h.wallClock()).build();
            h.send(call);
            assertThat(h.joined.isEmpty()).isTrue();
            h.driver.advanceWallClockTime(Duration.ofSeconds(62));
            Map<String, JoinedCall> joined = latestJoined(h);
            assertThat(joined.get(call.getCallId()).getOutcomeState()).isEqualTo(OutcomeState.NONE);
        }
    }
}
