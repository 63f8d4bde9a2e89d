package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.streams.ordering.EventTimeReorderBuffer;
import io.tokenwatch.streams.ordering.InputLag;
import io.tokenwatch.streams.ordering.OrderedDelta;
import io.tokenwatch.streams.ordering.Sequenced;
import io.tokenwatch.streams.topology.DeltaBatcher.Stage;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;


/**
 * The one place the Tokenwatch topology is built; it reads like the design:
 * <pre>
 *   calls ─┐
 *          ├─ join-calls-with-outcomes ─┬─ joined calls ──────────────────────────────────────────────► llm.calls.joined.v1
 *   outcomes┘  (dedupe, lateness, DLQ,  ├─ outcomes that never met their call ────────────────────────► llm.dlq.v1
 *               deltas batched per group├─ group deltas + markers ─ in event-time order ─ group-anomaly-detector ─┬─► llm.task-stats.v1
 *               and session between     │                              budgets (llm.budgets.v1, global) ─┤      └─► llm.alerts.v1
 *               progress markers)       └─ session deltas + markers ─ in event-time order ─ sum-sessions ──────────► llm.sessions.v1
 * </pre>
 * Records the pipeline refuses go to the dead-letter topic through {@code DeadLetterHandler}. Every
 * join task's progress markers reach every partition of both repartition topics, so each task
 * downstream judges its groups in the order in-order processing would, whatever order the input
 * partitions were read in ({@link EventTimeReorderBuffer}).
 */
public final class TokenwatchTopology {
    private TokenwatchTopology() {
    }

    public static Topology build(TopologySettings settings, Topics topics, PipelineMetrics metrics, int inputPartitions, InputLag lag) {
        // Built with the app's own settings (a bare StreamsBuilder makes a placeholder configuration, which Kafka warns about).
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(settings.streams())));

        var callReader = topics.calls().values().deserializer();
        var outcomeReader = topics.outcomes().values().deserializer();
        KStream<String, JoinInput> calls = builder.stream(topics.calls().name(), topics.calls().undecoded("calls"))
                .mapValues(bytes -> {
                    LlmCall call = callReader.deserialize(topics.calls().name(), bytes);
                    metrics.callIn(call == null || call.getPriced());
                    return JoinInput.of(call, bytes);
                }, Named.as("decode-call"));
        KStream<String, JoinInput> outcomes = builder.stream(topics.outcomes().name(), topics.outcomes().undecoded("outcomes"))
                .mapValues(bytes -> {
                    metrics.outcomeIn();
                    return JoinInput.of(outcomeReader.deserialize(topics.outcomes().name(), bytes), bytes);
                }, Named.as("decode-outcome"));

        KStream<String, JoinOutput> joins = calls.merge(outcomes, Named.as("calls-and-outcomes"))
                .process(CallOutcomeJoiner.supplier(settings, inputPartitions, lag, metrics.deadLetters()), Named.as("join-calls-with-outcomes"));
        var joinOutputs = joins.split(Named.as("join-"))
                .branch((id, out) -> out.joined() != null, Branched.as("joined"))
                .branch((id, out) -> out.deadLetter() != null, Branched.as("dead-letter"))
                .defaultBranch(Branched.as("deltas-and-progress"));
        joinOutputs.get("join-joined").mapValues(JoinOutput::joined, Named.as("joined-call"))
                .peek((id, joined) -> metrics.joined(), Named.as("count-joined"))
                .to(topics.joined().name(), topics.joined().produced("joined-calls"));
        joinOutputs.get("join-dead-letter").map((id, out) -> KeyValue.pair(out.deadLetter().key(), out.deadLetter().value()), Named.as("dead-letter"))
                .to(topics.deadLetters().name(), topics.deadLetters().produced("dead-letters-out"));
        KStream<String, JoinOutput> deltas = joinOutputs.get("join-deltas-and-progress");

        builder.addGlobalStore(BudgetDefinitions.store(), topics.budgets().name(), topics.budgets().undecoded("budgets"), BudgetDefinitions::new);
        var budgetReader = topics.budgets().values();
        var groupOutputs = inEventTimeOrder(deltas, Stage.GROUP, topics, metrics)
                .process(GroupAnomalyDetector.supplier(settings.window(), settings.rule(), settings.episodes(), settings.metrics(),
                                budgetReader::deserializer),
                        Named.as("group-anomaly-detector"))
                .split(Named.as("group-"))
                .branch((k, out) -> out.stats() != null, Branched.as("window-stats"))
                .defaultBranch(Branched.as("alert"));
        groupOutputs.get("group-window-stats").mapValues(GroupOutput::stats, Named.as("window-stats"))
                .to(topics.stats().name(), topics.stats().produced("window-stats-out"));
        groupOutputs.get("group-alert").mapValues(GroupOutput::alert, Named.as("alert"))
                .peek((id, alert) -> metrics.alert(alert), Named.as("count-alert"))
                .to(topics.alerts().name(), topics.alerts().produced("alerts-out"));

        inEventTimeOrder(deltas, Stage.SESSION, topics, metrics)
                .process(SessionTotals.supplier(settings.sessionGap()), Named.as("sum-sessions"))
                .to(topics.sessions().name(), topics.sessions().produced("sessions-out"));
        return builder.build();
    }

    /**
     * The join tasks' delta batches for {@code stage} with their progress markers (which go to both
     * stages, and to every partition), repartitioned by group or session, and put back into
     * event-time order across all upstream tasks ({@link EventTimeReorderBuffer}).
     */
    private static KStream<String, OrderedDelta> inEventTimeOrder(KStream<String, JoinOutput> deltas, Stage stage, Topics topics,
                                                                PipelineMetrics metrics) {
        String buffer = bufferStore(stage);
        String progress = progressStore(stage);
        return deltas.filter((key, out) -> out.marker() != null || out.stage() == stage, Named.as(stage.topic() + "-or-progress"))
                .mapValues(out -> out.marker() != null ? Sequenced.of(out.marker()) : Sequenced.of(out.batch()), Named.as(stage.topic() + "-sequenced"))
                .repartition(topics.repartition(stage))
                .process(StoreOwningSupplier.of(() -> new EventTimeReorderBuffer(buffer, progress, metrics::takenOnArrival),
                                StoreOwningSupplier.cachedKeyValueStore(buffer, Serdes.Bytes(), Serdes.ByteArray()),
                                StoreOwningSupplier.cachedKeyValueStore(progress, Serdes.String(), Serdes.Long())),
                        Named.as(stage.topic() + "-in-event-time-order"));
    }

    static String bufferStore(Stage stage) {
        return stage.topic() + "-reorder-buffer";
    }

    static String progressStore(Stage stage) {
        return stage.topic() + "-upstream-progress";
    }
}
