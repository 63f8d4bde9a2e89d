package io.tokenwatch.streams.ordering;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.streams.support.MockStores;
import io.tokenwatch.streams.topology.CallDelta;
import io.tokenwatch.streams.topology.DeltaBatch.Member;
import io.tokenwatch.streams.topology.DeltaBatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The reorder buffer on a {@link MockProcessorContext}: order across upstream tasks, idle tasks, a second init. */
class EventTimeReorderBufferTest {
    private static final long T = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
    private long offset;
    /** What the buffer reports as taken on arrival (behind what was already released). */
    private final AtomicLong takenOnArrival = new AtomicLong();

    private static MockProcessorContext<String, OrderedDelta> context() {
        MockProcessorContext<String, OrderedDelta> context = new MockProcessorContext<>();
        freshStores(context);
        return context;
    }

    /** Empty stores: the state as of a commit before anything below. */
    private static void freshStores(MockProcessorContext<String, OrderedDelta> context) {
        MockStores.addEmpty(context, "buffer", Serdes.Bytes(), Serdes.ByteArray());
        MockStores.addEmpty(context, "progress", Serdes.String(), Serdes.Long());
    }

    private void delta(EventTimeReorderBuffer buffer, MockProcessorContext<String, OrderedDelta> context, String callId, long order) {
        batch(buffer, context, List.of(new Member(order, delta(callId, order))));
    }

    private void batch(EventTimeReorderBuffer buffer, MockProcessorContext<String, OrderedDelta> context, List<Member> members) {
        context.setRecordMetadata("group-deltas", 0, offset++);
        DeltaBatch batch = DeltaBatch.of(members);
        buffer.process(new Record<>("task|code-review", Sequenced.of(batch), batch.maxOrderTime()));
    }

    private static CallDelta delta(String callId, long at) {
        LlmCall call = LlmCall.newBuilder().setCallId(callId).setTimestamp(Instant.ofEpochMilli(at)).setProvider("anthropic")
                .setModel("m").setTask("code-review").setInputTokens(100).setOutputTokens(10).setCostUsd(new BigDecimal("0.000100000"))
                .setLatencyMs(10).setRetryCount(0).setToolCalls(0).build();
        return CallDelta.newCall(call);
    }

    private void marker(EventTimeReorderBuffer buffer, int upstream, long watermark, boolean idle) {
        buffer.process(new Record<>("", Sequenced.of(new ProgressMarker(upstream, 2, watermark, idle)), Math.max(0, watermark)));
    }

    private static List<String> released(MockProcessorContext<String, OrderedDelta> context) {
        return context.forwarded().stream().map(f -> f.record().value()).filter(v -> !v.isMarker()).map(v -> v.delta().callId()).toList();
    }

    @Test
    void releasesInEventTimeOrderOnlyWhatEveryUpstreamTaskHasPassed() {
        MockProcessorContext<String, OrderedDelta> context = context();
        EventTimeReorderBuffer buffer = new EventTimeReorderBuffer("buffer", "progress", takenOnArrival::addAndGet);
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
        MockProcessorContext<String, OrderedDelta> context = context();
        EventTimeReorderBuffer buffer = new EventTimeReorderBuffer("buffer", "progress", takenOnArrival::addAndGet);
        buffer.init(context);
        marker(buffer, 1, Long.MIN_VALUE, true); // an empty partition
        delta(buffer, context, "a-300", T + 300);
        marker(buffer, 0, T + 301, false);
        assertThat(released(context)).containsExactly("a-300");
        marker(buffer, 1, T + 50, false); // busy again, behind what was released
        delta(buffer, context, "b-60", T + 60);
        assertThat(released(context)).containsExactly("a-300", "b-60");
        assertThat(takenOnArrival).hasValue(1);
    }

    @Test
    void batchesFromDifferentUpstreamsAreHandedOnInterleavedInEventTimeOrder() {
        MockProcessorContext<String, OrderedDelta> context = context();
        EventTimeReorderBuffer buffer = new EventTimeReorderBuffer("buffer", "progress", takenOnArrival::addAndGet);
        buffer.init(context);
        batch(buffer, context, List.of(new Member(T + 100, delta("a-100", T + 100)), new Member(T + 300, delta("a-300", T + 300)),
                new Member(T + 500, delta("a-500", T + 500))));
        marker(buffer, 0, T + 500, false);
        batch(buffer, context, List.of(new Member(T + 200, delta("b-200", T + 200)), new Member(T + 400, delta("b-400", T + 400))));
        marker(buffer, 1, T + 450, false);
        assertThat(released(context)).as("up to the slower upstream; a-500 waits").containsExactly("a-100", "b-200", "a-300", "b-400");
        marker(buffer, 1, T + 600, false);
        assertThat(released(context)).as("upstream 0 is at 500: more of its deltas at 500 may come").hasSize(4);
        marker(buffer, 0, T + 600, false);
        assertThat(released(context)).containsExactly("a-100", "b-200", "a-300", "b-400", "a-500");
    }

    @Test
    void aReleaseLongerThanOneStepStaysInOrder() {
        MockProcessorContext<String, OrderedDelta> context = context();
        EventTimeReorderBuffer buffer = new EventTimeReorderBuffer("buffer", "progress", takenOnArrival::addAndGet);
        buffer.init(context);
        // Upstream 0: one batch of odd times spanning the whole release; upstream 1: 2,500 single deltas at even times.
        List<Member> odd = new ArrayList<>();
        for (int t = 1; t < 5_000; t += 2) {
            odd.add(new Member(T + t, delta("odd-" + t, T + t)));
        }
        for (int from = 0; from < odd.size(); from += 60) {
            batch(buffer, context, odd.subList(from, Math.min(odd.size(), from + 60)));
        }
        for (int t = 0; t < 5_000; t += 2) {
            delta(buffer, context, "even-" + t, T + t);
        }
        marker(buffer, 0, T + 5_000, false);
        marker(buffer, 1, T + 5_000, false);
        List<String> expected = new ArrayList<>();
        for (int t = 0; t < 5_000; t++) {
            expected.add((t % 2 == 0 ? "even-" : "odd-") + t);
        }
        assertThat(released(context)).isEqualTo(expected);
    }

    private void readTwoUpstreams(EventTimeReorderBuffer buffer, MockProcessorContext<String, OrderedDelta> context) {
        delta(buffer, context, "a-300", T + 300);
        marker(buffer, 0, T + 400, false);
        delta(buffer, context, "b-100", T + 100);
        marker(buffer, 1, T + 400, false);
    }

    @Test
    void aSecondInitOverRestoredStoresReleasesTheSameSequence() {
        MockProcessorContext<String, OrderedDelta> context = context();
        EventTimeReorderBuffer buffer = new EventTimeReorderBuffer("buffer", "progress", takenOnArrival::addAndGet);
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
