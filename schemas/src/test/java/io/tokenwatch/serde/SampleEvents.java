package io.tokenwatch.serde;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.Contributor;
import io.tokenwatch.events.v1.GroupWindowStats;
import io.tokenwatch.events.v1.JoinedCall;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.events.v1.OutcomeState;
import io.tokenwatch.events.v1.SessionSummary;
import io.tokenwatch.events.v1.SpendType;
import io.tokenwatch.events.v1.UnitPrices;
import org.apache.avro.specific.SpecificRecord;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/** One fully populated record of every contract schema. */
final class SampleEvents {
    static final Instant T = Instant.parse("2026-11-20T10:15:30Z");

    private SampleEvents() {
    }

    static LlmCall call() {
        return LlmCall.newBuilder()
                .setCallId("call-1").setSessionId("sess-1").setCallSeq(3).setTimestamp(T).setRequestId("msg_01")
                .setProvider("anthropic").setModel("claude-sonnet-4-5-20250929").setTask("code-review")
                .setFeature("pr-bot").setTeam("platform").setOwner("agent:reviewer").setAgent("review-bot")
                .setPromptVersion("v7").setEnvironment("prod").setTags(Map.of("ticket", "OPS-12"))
                .setInputTokens(12_000).setOutputTokens(800).setCacheReadTokens(9_000).setCacheWriteTokens(1_000)
                .setCacheWrite1hTokens(0).setReasoningTokens(200).setPriced(true)
                .setUnitPrices(UnitPrices.newBuilder().setInputPerMtok(new BigDecimal("3.000000"))
                        .setOutputPerMtok(new BigDecimal("15.000000")).setCacheReadPerMtok(new BigDecimal("0.300000"))
                        .setCacheWrite5mPerMtok(new BigDecimal("3.750000")).setCacheWrite1hPerMtok(new BigDecimal("6.000000"))
                        .setLongContext(false).build())
                .setCostUsd(new BigDecimal("0.032450000")).setPriceSource("tokenwatch-catalog").setPriceDate(LocalDate.parse("2026-11-01"))
                .setLatencyMs(2_300).setRetryCount(1).setToolCalls(2).setStopReason("end_turn").setContextWindowUsed(12_800L)
                .build();
    }

    static CallOutcome outcome() {
        return CallOutcome.newBuilder().setCallId("call-1").setOutcome(Outcome.EDITED).setDecidedAt(T.plusSeconds(60))
                .setDecidedBy("reviewer").setArtifact("PR-42").build();
    }

    static List<SpecificRecord> all() {
        BigDecimal cost = new BigDecimal("1.250000000");
        return List.of(call(), outcome(),
                JoinedCall.newBuilder().setCallId("call-1").setCall(call()).setOutcomeState(OutcomeState.EDITED)
                        .setSpendType(SpendType.PRODUCTIVE).setOutcome(outcome()).setJoinedAt(T.plusSeconds(61)).build(),
                GroupWindowStats.newBuilder().setDimension("task").setGroup("code-review").setWindowStart(T).setWindowEnd(T.plusSeconds(3600))
                        .setCalls(40).setInputTokens(480_000).setOutputTokens(32_000).setCacheReadTokens(360_000).setCacheWriteTokens(40_000)
                        .setReasoningTokens(8_000).setCostUsd(cost).setUnpricedCalls(0).setRetriedCalls(4).setToolCalls(80)
                        .setAccepted(30).setRejected(5).setDecided(35).setAbandoned(0).setDecidedCostUsd(cost).setAbandonedCostUsd(BigDecimal.ZERO.setScale(9))
                        .setTokensPerCall(12_800.0).setCostPerCall(0.03125).setCostPerAccepted(0.0416).setAcceptanceRate(0.857)
                        .setCacheHitRatio(0.75).setRetryRate(0.1).setToolCallsPerCall(2.0).setLatencyP95Ms(4100.0).setUpdatedAt(T).build(),
                SessionSummary.newBuilder().setSessionId("sess-1").setStart(T).setEnd(T.plusSeconds(300)).setTask("code-review")
                        .setAgent("review-bot").setOwner("agent:reviewer").setCalls(5).setInputTokens(60_000).setOutputTokens(4_000)
                        .setCacheReadTokens(45_000).setCostUsd(cost).setRetries(1).setAccepted(4).setRejected(1).setAbandoned(0).build(),
                AnomalyAlert.newBuilder().setAlertId("task|code-review|tokens_per_call|2026-11-20T10:00:00Z").setStatus(AlertStatus.OPEN)
                        .setDimension("task").setGroup("code-review").setMetric("tokens_per_call").setObserved(16_000).setBaseline(12_000)
                        .setRatio(1.333).setThreshold(0.3).setSeverityStep(1.3).setWindowStart(T).setWindowEnd(T.plusSeconds(3600))
                        .setWindowCalls(25).setBaselineCalls(4_000).setBaselineHours(168).setCostImpactUsd(0.52)
                        .setTopContributors(List.of(Contributor.newBuilder().setKind("model").setValue("claude-sonnet-4-5")
                                .setCostUsd(1.1).setShare(0.88).build()))
                        .setOpenedAt(T).setUpdatedAt(T).setTriggerCallId("call-1").build());
    }
}
