package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.OutcomeState;
import io.tokenwatch.streams.stats.WindowSums.Field;
import io.tokenwatch.streams.topology.DeltaBatch.Member;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A batch carries every delta whole, each with its own place in event-time order, however it was put together. */
class DeltaBatchTest {
    private static final Instant T = Instant.parse("2026-11-01T09:00:00Z");

    private static LlmCall call(String id, Instant at) {
        return LlmCall.newBuilder().setCallId(id).setTimestamp(at).setProvider("anthropic").setModel("claude-sonnet-4-5")
                .setTask("code-review").setTeam("platform").setSessionId("s-1").setInputTokens(12_000).setOutputTokens(900)
                .setCacheReadTokens(4_000).setCostUsd(new BigDecimal("0.050000000")).setLatencyMs(2_345).setRetryCount(1).setToolCalls(2).build();
    }

    @Test
    void membersComeBackInOrderWithTheirPlacesSumsAndAttribution() {
        CallDelta first = CallDelta.newCall(call("c-1", T));
        CallDelta outcome = CallDelta.outcomeChange(call("c-0", T.minusSeconds(600)), null, OutcomeState.ACCEPTED);
        List<Member> members = List.of(new Member(T.toEpochMilli() + 500, first), new Member(T.toEpochMilli() + 200, outcome));

        DeltaBatch built = DeltaBatch.of(members);
        DeltaBatch fromEncoded = DeltaBatch.ofEncoded(members.stream().map(m -> DeltaBatch.encodeMember(m.orderTime(), m.delta())).toList());

        assertThat(fromEncoded.bytes()).isEqualTo(built.bytes());
        assertThat(built.minOrderTime()).isEqualTo(T.toEpochMilli() + 200);
        assertThat(built.maxOrderTime()).isEqualTo(T.toEpochMilli() + 500);
        List<Member> back = built.members();
        assertThat(back).extracting(Member::orderTime).containsExactly(T.toEpochMilli() + 500, T.toEpochMilli() + 200);
        assertThat(back.get(0).delta().callId()).isEqualTo("c-1");
        assertThat(back.get(0).delta().newCall()).isTrue();
        assertThat(back.get(0).delta().attribute(CallDelta.Attribute.TEAM)).isEqualTo("platform");
        assertThat(back.get(0).delta().sums()).isEqualTo(first.sums());
        assertThat(back.get(0).delta().sums().get(Field.COST_NANOS)).isEqualTo(50_000_000L);
        assertThat(back.get(1).delta().sums().get(Field.ACCEPTED)).isEqualTo(1);
        assertThat(back.get(1).delta().timestamp()).isEqualTo(T.minusSeconds(600).toEpochMilli());
    }
}
