package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.events.v1.OutcomeState;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.streams.config.PipelineSettings;
import io.tokenwatch.streams.errors.DeadLetterCounts;
import io.tokenwatch.streams.ordering.InputLag;
import io.tokenwatch.streams.ordering.ProgressMarker;
import io.tokenwatch.streams.stats.WindowSums;
import io.tokenwatch.streams.support.MockStores;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * The join on a {@link MockProcessorContext}: what Kafka Streams does after a dirty close (init again
 * on the same instance, over stores restored to the last commit), its wall-clock punctuator, and the
 * state it keeps per call.
 */
class JoinerReviveTest {
    private static final Instant T = Instant.parse("2026-11-01T00:10:00Z");
    private final TokenwatchConfig config = TokenwatchConfig.of(Map.of("bootstrap.servers", "unused:9092", "schema.registry.url", "mock://revive"));

    private static MockProcessorContext<String, JoinOutput> context(Instant wall) {
        MockProcessorContext<String, JoinOutput> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(wall.toEpochMilli());
        context.setRecordMetadata("llm.calls.v1", 0, 0);
        return context;
    }

    /** Fresh, empty stores: the state as of a commit made before anything below was processed. */
    private static void freshStores(MockProcessorContext<String, JoinOutput> context) {
        MockStores.addEmpty(context, CallOutcomeJoiner.PENDING_CALLS, Serdes.String(), Serdes.ByteArray());
        MockStores.addEmpty(context, CallOutcomeJoiner.EARLY_OUTCOMES, Serdes.String(), Serdes.ByteArray());
        MockStores.addEmpty(context, CallOutcomeJoiner.DEADLINES, Serdes.Bytes(), Serdes.ByteArray());
        MockStores.addEmpty(context, CallOutcomeJoiner.PROGRESS, Serdes.String(), Serdes.Long());
        MockStores.addEmpty(context, DeltaBatcher.WAITING, Serdes.Bytes(), Serdes.ByteArray());
    }

    private static LlmCall call(String id, Instant at) {
        return LlmCall.newBuilder().setCallId(id).setTimestamp(at).setProvider("anthropic").setModel("claude-sonnet-4-5")
                .setTask("code-review").setInputTokens(10_000).setOutputTokens(1_000).setCostUsd(new BigDecimal("0.010000000"))
                .setLatencyMs(1_000).setRetryCount(0).setToolCalls(1).build();
    }

    private static Record<String, JoinInput> callRecord(LlmCall call) {
        return new Record<>(call.getCallId(), JoinInput.of(call, new byte[0]), call.getTimestamp().toEpochMilli());
    }

    /** The deltas of the task group the join forwarded (after a marker tick flushed its batch), with their places in event-time order. */
    private static List<DeltaBatch.Member> taskDeltas(MockProcessorContext<String, JoinOutput> context) {
        tick(context).getPunctuator().punctuate(context.currentSystemTimeMs());
        return context.forwarded().stream().filter(f -> f.record().value().batch() != null && f.record().key().equals("task|code-review"))
                .flatMap(f -> f.record().value().batch().members().stream()).toList();
    }

    private static MockProcessorContext.CapturedPunctuator tick(MockProcessorContext<String, JoinOutput> context) {
        return context.scheduledPunctuators().stream().filter(p -> p.getType() == PunctuationType.WALL_CLOCK_TIME).findFirst().orElseThrow();
    }

    private static List<ProgressMarker> markers(MockProcessorContext<String, JoinOutput> context) {
        return context.forwarded().stream().map(f -> f.record().value().marker()).filter(m -> m != null).map(m -> (ProgressMarker) m).toList();
    }

    /** A join of one input partition, initialised over empty stores. */
    private CallOutcomeJoiner startedJoiner(MockProcessorContext<String, JoinOutput> context) {
        freshStores(context);
        CallOutcomeJoiner joiner = new CallOutcomeJoiner(PipelineSettings.of(config).topology(), 1, InputLag.UNKNOWN, new DeadLetterCounts());
        joiner.init(context);
        return joiner;
    }

    @Test
    void aSecondInitOverRestoredStoresReprocessesExactlyAsTheFirstTime() {
        MockProcessorContext<String, JoinOutput> context = context(T.plus(Duration.ofHours(3)));
        CallOutcomeJoiner joiner = startedJoiner(context);
        LlmCall early = call("early", T);
        LlmCall later = call("later", T.plus(Duration.ofHours(2)));
        joiner.process(callRecord(early));
        joiner.process(callRecord(later));
        assertThat(taskDeltas(context)).hasSize(2);

        // A dirty close before the commit: Kafka Streams revives the task on this same instance, its stores
        // restored to the last commit (made before either call), and reads both calls again. A watermark
        // kept in a field would still say 02:00 and reject the first call as later than its grace.
        context.resetForwards();
        freshStores(context);
        joiner.init(context);
        assertThatCode(() -> joiner.process(callRecord(early))).as("the watermark rolled back with the stores").doesNotThrowAnyException();
        joiner.process(callRecord(later));
        List<DeltaBatch.Member> deltas = taskDeltas(context);
        assertThat(deltas).extracting(m -> m.delta().callId()).containsExactly("early", "later");
        assertThat(deltas).extracting(DeltaBatch.Member::orderTime)
                .as("each delta's place in event-time order")
                .containsExactly(T.toEpochMilli(), T.plus(Duration.ofHours(2)).toEpochMilli());
    }

    @Test
    void punctuatorSendsTheSlowerInputsWatermarkAndClosesWindowsOnlyWhenOutcomesAreCaughtUpAndQuiet() {
        Instant wall = T.plus(Duration.ofHours(30));
        MockProcessorContext<String, JoinOutput> context = context(wall);
        freshStores(context);
        boolean[] outcomesCaughtUp = {false};
        CallOutcomeJoiner joiner = new CallOutcomeJoiner(PipelineSettings.of(config).topology(), 4,
                (topic, partition, nextOffset) -> topic.equals(config.callsTopic) || outcomesCaughtUp[0], new DeadLetterCounts());
        joiner.init(context);
        joiner.process(callRecord(call("waiting", T)));
        joiner.process(callRecord(call("other", T.plus(Duration.ofHours(23)))));
        joiner.process(callRecord(call("newer", T.plus(Duration.ofHours(25)))));
        context.setRecordMetadata("llm.outcomes.v1", 0, 7);
        // The outcomes input has been read up to 24:10 + 23:50 = one day, short of waiting's deadline (a day + 10 min).
        CallOutcome outcome = CallOutcome.newBuilder().setCallId("other").setOutcome(Outcome.ACCEPTED)
                .setDecidedAt(T.plus(Duration.ofHours(24))).setDecidedBy("ci").build();
        joiner.process(new Record<>("other", JoinInput.of(outcome, new byte[0]), outcome.getDecidedAt().toEpochMilli()));
        context.resetForwards();

        var tick = tick(context);
        context.setCurrentSystemTimeMs(wall.plusSeconds(1).toEpochMilli());
        for (int i = 0; i < 3; i++) { // tokenwatch.watermark.idle (250 ms) in ticks of 100 ms
            tick.getPunctuator().punctuate(wall.plusSeconds(1).toEpochMilli());
        }
        // Calls are caught up and quiet; outcomes are still being read (a catch-up), so the join has got as
        // far as the outcomes, and "waiting" stays open although the calls input is a day past its deadline.
        assertThat(markers(context)).containsExactly(new ProgressMarker(0, 4, outcome.getDecidedAt().toEpochMilli(), false));
        assertThat(context.forwarded()).filteredOn(f -> f.record().value().joined() != null).as("no window closed").isEmpty();

        context.resetForwards();
        outcomesCaughtUp[0] = true; // both inputs idle now: event time goes on at the wall clock's rate from the last record
        tick.getPunctuator().punctuate(wall.plusSeconds(1).toEpochMilli());
        JoinOutput closed = context.forwarded().get(0).record().value();
        assertThat(closed.joined().getCallId()).isEqualTo("waiting");
        assertThat(closed.joined().getOutcomeState()).isEqualTo(OutcomeState.NONE);
        assertThat(context.forwarded().get(0).record().timestamp()).as("ordered at its deadline")
                .isEqualTo(T.plus(Duration.ofHours(24)).plus(Duration.ofMinutes(10)).toEpochMilli());
        assertThat(context.forwarded()).filteredOn(f -> f.record().value().batch() != null && f.record().key().equals("task|code-review"))
                .as("NONE counted in the waiting call's window, sent before the marker").singleElement()
                .satisfies(f -> assertThat(f.record().value().batch().members()).singleElement()
                        .satisfies(m -> assertThat(m.delta().sums().get(WindowSums.Field.ABANDONED)).isEqualTo(1)));
        assertThat(context.forwarded().get(context.forwarded().size() - 1).record().value().marker()).as("an idle task: downstream need not wait for it")
                .isEqualTo(new ProgressMarker(0, 4, T.plus(Duration.ofHours(25)).plusSeconds(1).minus(PipelineSettings.of(config).watermarkIdle).toEpochMilli(), true));
    }

    private static long entries(MockProcessorContext<String, JoinOutput> context, String store) {
        KeyValueStore<Object, Object> kv = context.getStateStore(store);
        return kv.approximateNumEntries();
    }

    private Record<String, JoinInput> outcomeRecord(MockProcessorContext<String, JoinOutput> context, String callId, Instant decided) {
        context.setRecordMetadata("llm.outcomes.v1", 0, 0);
        CallOutcome outcome = CallOutcome.newBuilder().setCallId(callId).setOutcome(Outcome.ACCEPTED).setDecidedAt(decided).setDecidedBy("ci").build();
        return new Record<>(callId, JoinInput.of(outcome, new byte[0]), decided.toEpochMilli());
    }

    @Test
    void keepsOneEntryPerCallClosesItOnceAndForgetsItAnOutcomeWindowLater() {
        MockProcessorContext<String, JoinOutput> context = context(T.plus(Duration.ofDays(5)));
        CallOutcomeJoiner joiner = startedJoiner(context);
        joiner.process(callRecord(call("abandoned", T)));
        joiner.process(callRecord(call("decided", T)));
        joiner.process(outcomeRecord(context, "decided", T.plusSeconds(60)));
        assertThat(entries(context, CallOutcomeJoiner.PENDING_CALLS)).isEqualTo(2);
        assertThat(entries(context, CallOutcomeJoiner.DEADLINES)).as("one deadline entry per call, outcome or not").isEqualTo(2);

        // Outcomes read past both deadlines (a day + 10 min), then again past them, a marker tick after each:
        // NONE once, for the call without an outcome.
        var tick = tick(context).getPunctuator();
        joiner.process(outcomeRecord(context, "other-1", T.plus(Duration.ofHours(25))));
        tick.punctuate(context.currentSystemTimeMs());
        joiner.process(outcomeRecord(context, "other-2", T.plus(Duration.ofHours(26))));
        tick.punctuate(context.currentSystemTimeMs());
        List<JoinOutput> none = context.forwarded().stream().map(f -> (JoinOutput) f.record().value())
                .filter(o -> o.joined() != null && o.joined().getOutcomeState() == OutcomeState.NONE).toList();
        assertThat(none).extracting(o -> o.joined().getCallId()).containsExactly("abandoned");
        assertThat(entries(context, CallOutcomeJoiner.DEADLINES)).as("closing writes nothing: closed is below the scan mark")
                .isEqualTo(2 + 2); // and the two early outcomes' own deadlines
        context.setRecordMetadata("llm.calls.v1", 0, 9);
        assertThatCode(() -> joiner.process(callRecord(call("abandoned", T.plus(Duration.ofHours(1))))))
                .as("a duplicate after its window closed is still recognised").hasMessageContaining("Duplicate call_id abandoned");

        // An outcome window after the deadlines, both calls are forgotten.
        joiner.process(outcomeRecord(context, "other-3", T.plus(Duration.ofHours(49))));
        tick.punctuate(context.currentSystemTimeMs());
        assertThat(entries(context, CallOutcomeJoiner.PENDING_CALLS)).isZero();
        assertThat(entries(context, CallOutcomeJoiner.DEADLINES)).as("only the three early outcomes' deadlines").isEqualTo(3);
    }
}
