package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.schemas.CallBounds;
import io.tokenwatch.streams.errors.DeadLetterReason;
import io.tokenwatch.streams.errors.RejectedRecordException;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class CallValidationTest {
    private static final CallBounds BOUNDS = CallBounds.DEFAULT;

    private static LlmCall.Builder call() {
        return LlmCall.newBuilder().setCallId("c-1").setTimestamp(Instant.parse("2026-12-01T10:00:00Z")).setProvider("anthropic")
                .setModel("claude-sonnet-4-5").setTask("review").setInputTokens(12_000).setOutputTokens(800).setCacheReadTokens(9_000)
                .setCacheWriteTokens(1_000).setCostUsd(new BigDecimal("0.010000000")).setLatencyMs(900).setRetryCount(0).setToolCalls(1);
    }

    private static RejectedRecordException rejected(LlmCall call) {
        return catchThrowableOfType(RejectedRecordException.class, () -> CallValidation.check(call.getCallId(), call, BOUNDS));
    }

    @Test
    void aRealCallPasses() {
        assertThatCode(() -> CallValidation.check("c-1", call().build(), BOUNDS)).doesNotThrowAnyException();
    }

    @Test
    void aCountAboveItsBoundIsTooLargeAndNamesEachOne() {
        RejectedRecordException e = rejected(call().setInputTokens(7_000_000_000_000_000L).setOutputTokens(100_000_001).build());
        assertThat(e.reason()).isEqualTo(DeadLetterReason.TOO_LARGE);
        assertThat(e.getMessage()).isEqualTo("Counts beyond any real call in call c-1: input_tokens 7000000000000000 over 100000000"
                + " (tokenwatch.max.tokens.per.call); output_tokens 100000001 over 100000000 (tokenwatch.max.tokens.per.call)");
    }

    @Test
    void aCostAboveAHundredThousandDollarsIsTooLarge() {
        RejectedRecordException e = rejected(call().setCostUsd(new BigDecimal("99999999999.000000000")).build());
        assertThat(e.reason()).isEqualTo(DeadLetterReason.TOO_LARGE);
        assertThat(e.getMessage()).contains("cost_usd 99999999999.000000000 over 100000");
    }

    @Test
    void cacheCountsWhoseSumWouldOverflowAreRefusedForTheirSizeNotWrappedAround() {
        // 2^62 + 2^62 wraps to a negative long: unchecked, it would pass "cache reads + writes <= input".
        RejectedRecordException e = rejected(call().setInputTokens(10).setCacheReadTokens(1L << 62).setCacheWriteTokens(1L << 62).build());
        assertThat(e.reason()).isEqualTo(DeadLetterReason.TOO_LARGE);
    }

    @Test
    void aLabelLongerThanItsBoundIsLabelTooLongAndTheMessageDoesNotRepeatIt() {
        String huge = "t".repeat(100_000);
        RejectedRecordException e = rejected(call().setTask(huge).setTags(Map.of("ticket", "x".repeat(300))).build());
        assertThat(e.reason()).isEqualTo(DeadLetterReason.LABEL_TOO_LONG);
        assertThat(e.getMessage()).isEqualTo("Labels too long in call c-1: task is 100000 characters, over 256 (tokenwatch.max.label.length);"
                + " tag ticket is 300 characters, over 256 (tokenwatch.max.label.length)");
    }

    @Test
    void negativeAndInconsistentCountsAreInvalid() {
        RejectedRecordException e = rejected(call().setOutputTokens(-5).build());
        assertThat(e.reason()).isEqualTo(DeadLetterReason.INVALID);
        assertThat(e.getMessage()).contains("output_tokens is negative (-5)");
    }

    @Test
    void anOutcomeWithAnOversizedArtifactIsLabelTooLong() {
        CallOutcome outcome = CallOutcome.newBuilder().setCallId("c-1").setOutcome(Outcome.ACCEPTED).setDecidedAt(Instant.EPOCH.plusSeconds(1))
                .setDecidedBy("ci").setArtifact("a".repeat(257)).build();
        RejectedRecordException e = catchThrowableOfType(RejectedRecordException.class, () -> CallValidation.check("c-1", outcome, BOUNDS));
        assertThat(e.reason()).isEqualTo(DeadLetterReason.LABEL_TOO_LONG);
    }
}
