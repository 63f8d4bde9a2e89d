package io.tokenwatch.streams.ordering;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.streams.topology.CallDelta;
import io.tokenwatch.streams.support.MockStores;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The reorder buffer on a {@link MockProcessorContext}: order across upstream tasks, idle tasks, a second init. */
class EventTimeReorderBufferTest {
    private static final long T = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
    private long offset;

    private static MockProcessorContext<String, Sequenced> context() {
        MockProcessorContext<String, Sequenced> context = new MockProcessorContext<>();
        freshStores(context);
        return context;
    }

    /** Empty stores: the state as of a commit before anything below. */
    private static void freshStores(MockProcessorContext<String, Sequenced> context) {
        MockStores.addEmpty(context, "buffer", Serdes.Bytes(), Serdes.ByteArray());
        MockStores.addEmpty(context, "progress", Serdes.String(), Serdes.Long());
    }

    private void delta(EventTimeReorderBuffer buffer, MockProcessorContext<String, Sequenced> context, String callId, long order) {
        context.setRecordMetadata("group-deltas", 0, offset++);
        LlmCall call = LlmCall.newBuilder().setCallId(callId).setTimestamp(Instant.ofEpochMilli(order)).setProvider("anthropic")
                .setModel("m").setTask("code-review").setInputTokens(100).setOutputTokens(10).setCostUsd(new BigDecimal("0.000100000"))
                .setLatencyMs(10).setRetryCount(0).setToolCalls(0).build();
        buffer.process(new Record<>("task|code-review", Sequenced.of(CallDelta.newCall(call)), order));
    }

    private void marker(EventTimeReorderBuffer buffer, int upstream, long watermark, boolean idle) {
        buffer.process(new Record<>("", Sequenced.of(new ProgressMarker(upstream, 2, watermark, idle)), Math.max(0, watermark)));
    }

    private static List<String> released(MockProcessorContext<String, Sequenced> context) {
        return context.forwarded().stream().map(f -> f.record().value()).filter(v -> !v.isMarker()).map(v -> v.delta().callId()).toList();
    }

    @Test
    void releasesInEventTimeOrderOnlyWhatEveryUpstreamTaskHasPassed() {
        MockProcessorContext<String, Sequenced> context = context();
        EventTimeReorderBuffer buffer = new EventTimeReorderBuffer("buffer", "progress");
        buffer.init(context);
        // Upstream 0 is read far ahead of upstream 1 (a catch-up): its deltas wait.
        delta(buffer, context, "a-300", T + 300);
        delta(buffer, context, "a-500", T + 500);
        marker(buffer, 0, T + 500, false);
        assertThat(released(context)).as("upstream 1 not heard from").isEmpty();
        delta(buffer, context, "b-100", T + 100);
        delta(buffer, context, "b-400", T + 400);
        marker(buffer, 1, T + 400, false);
        assertThat(released(context)).containsExactly("b-100", "a-300");
        marker(buffer, 1, T + 900, false);
        assertThat(released(context)).containsExactly("b-100", "a-300", "b-400");
        assertThat(context.forwarded().get(context.forwarded().size() - 1).record().value().marker())
                .isEqualTo(new ProgressMarker(ProgressMarker.RELEASED, 2, T + 499, false));
    }

    @Test
    void anIdleUpstreamIsNotWaitedForAndWhatItSendsLaterIsTakenAsItArrives() {
        MockProcessorContext<String, Sequenced> context = context();
        EventTimeReorderBuffer buffer = new EventTimeReorderBuffer("buffer", "progress");
        buffer.init(context);
        marker(buffer, 1, Long.MIN_VALUE, true); // an empty partition
        delta(buffer, context, "a-300", T + 300);
        marker(buffer, 0, T + 301, false);
        assertThat(released(context)).containsExactly("a-300");
        marker(buffer, 1, T + 50, false); // busy again, behind what was released
        delta(buffer, context, "b-60", T + 60);
        assertThat(released(context)).containsExactly("a-300", "b-60");
        assertThat(EventTimeReorderBuffer.behindCount()).isPositive();
    }

    private void readTwoUpstreams(EventTimeReorderBuffer buffer, MockProcessorContext<String, Sequenced> context) {
        delta(buffer, context, "a-300", T + 300);
        marker(buffer, 0, T + 400, false);
        delta(buffer, context, "b-100", T + 100);
        marker(buffer, 1, T + 400, false);
    }

    @Test
    void aSecondInitOverRestoredStoresReleasesTheSameSequence() {
        MockProcessorContext<String, Sequenced> context = context();
        EventTimeReorderBuffer buffer = new EventTimeReorderBuffer("buffer", "progress");
        buffer.init(context);
        readTwoUpstreams(buffer, context);
        List<String> first = released(context);

        // Dirty close before the commit: the same instance is initialised again over stores restored
        // to a commit before all of it, and the same records are read again.
        context.resetForwards();
        freshStores(context);
        buffer.init(context);
        offset = 0;
        readTwoUpstreams(buffer, context);
        assertThat(released(context)).isEqualTo(first).containsExactly("b-100", "a-300");
    }
}
