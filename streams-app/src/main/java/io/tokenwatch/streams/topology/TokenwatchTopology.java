package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.SessionSummary;
import io.tokenwatch.serde.AvroBinary;
import io.tokenwatch.streams.anomaly.EpisodePolicy;
import io.tokenwatch.streams.anomaly.Metric;
import io.tokenwatch.streams.config.TokenwatchConfig;
import io.tokenwatch.streams.ordering.EventTimeReorderBuffer;
import io.tokenwatch.streams.ordering.InputLag;
import io.tokenwatch.streams.ordering.MarkersToEveryPartition;
import io.tokenwatch.streams.ordering.OrderedDelta;
import io.tokenwatch.streams.ordering.Sequenced;
import io.tokenwatch.streams.topology.DeltaBatcher.Stage;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.time.Duration;
import java.util.EnumSet;

/**
 * The one place the Tokenwatch topology is built; it reads like the design:
 * <pre>
 *   calls ─┐
 *          ├─ join-calls-with-outcomes ─┬─ joined calls ──────────────────────────────────────────────► llm.calls.joined.v1
 *   outcomes┘  (dedupe, lateness, DLQ,  ├─ outcomes that never met their call ────────────────────────► llm.dlq.v1
 *               deltas batched per group├─ group deltas + markers ─ in event-time order ─ group-anomaly-detector ─┬─► llm.task-stats.v1
 *               and session between     │                                                                      └─► llm.alerts.v1
 *               progress markers)       └─ session deltas + markers ─ in event-time order ─ sum-sessions ──────────► llm.sessions.v1
 * </pre>
 * Records the pipeline refuses go to the dead-letter topic through {@code DeadLetterHandler}. Every
 * join task's progress markers reach every partition of both repartition topics, so each task
 * downstream judges its groups in the order in-order processing would, whatever order the input
 * partitions were read in ({@link EventTimeReorderBuffer}).
 */
public final class TokenwatchTopology {

    private static final Duration SESSIONS_KEPT = Duration.ofDays(8);

    private TokenwatchTopology() {
    }

    public static Topology build(TokenwatchConfig config, EventSerdes serdes, PipelineMetrics metrics, int inputPartitions, InputLag lag) {
        // Built with the app's own settings (a bare StreamsBuilder makes a placeholder configuration, which Kafka warns about).
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(StreamsSettings.of(config))));
        // Stores are cached: hot groups are updated many times per commit, and only the last value
        // needs to reach the changelog (and, for sessions, the output topic).
        builder.addStateStore(keyValueStore(CallOutcomeJoiner.PENDING_CALLS, Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(keyValueStore(CallOutcomeJoiner.EARLY_OUTCOMES, Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(keyValueStore(CallOutcomeJoiner.DEADLINES, Serdes.Bytes(), Serdes.ByteArray()));
        builder.addStateStore(keyValueStore(CallOutcomeJoiner.PROGRESS, Serdes.String(), Serdes.Long()));
        // Deltas wait here for one marker interval at most: in memory, changelogged.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(DeltaBatcher.WAITING), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingEnabled());
        for (Stage stage : Stage.values()) {
            builder.addStateStore(keyValueStore(bufferStore(stage), Serdes.Bytes(), Serdes.ByteArray()));
            builder.addStateStore(keyValueStore(progressStore(stage), Serdes.String(), Serdes.Long()));
        }
        builder.addStateStore(keyValueStore(GroupAnomalyDetector.WINDOW_SUMS, Serdes.Bytes(), Serdes.ByteArray()));
        builder.addStateStore(keyValueStore(GroupAnomalyDetector.BASELINES, Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(keyValueStore(GroupAnomalyDetector.CONTRIBUTORS, Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(keyValueStore(GroupAnomalyDetector.EPISODES, Serdes.String(), Serdes.ByteArray()));
        // Deltas reach the sessions in event-time order (outcomes up to a day after their call); only a task
        // that was idle and resumes sends deltas out of order. Sessions are kept as long as the group windows
        // (8 days), so none of those is dropped either.
        builder.addStateStore(Stores.sessionStoreBuilder(Stores.persistentSessionStore(SessionTotals.STORE, SESSIONS_KEPT.plus(config.sessionGap)),
                Serdes.String(), new AvroBinary<>(SessionSummary.class).serde()).withCachingEnabled());

        // Values are decoded in the topology, not at the source, so a bad record reaches the
        // dead-letter topic through the same handler, with its original bytes, as every other rejection.
        var callReader = serdes.calls().deserializer();
        var outcomeReader = serdes.outcomes().deserializer();
        KStream<String, JoinInput> calls = builder.stream(config.callsTopic, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("calls"))
                .mapValues(bytes -> {
                    LlmCall call = callReader.deserialize(config.callsTopic, bytes);
                    metrics.callIn(call == null || call.getPriced());
                    return JoinInput.of(call, bytes);
                }, Named.as("decode-call"));
        KStream<String, JoinInput> outcomes = builder.stream(config.outcomesTopic, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("outcomes"))
                .mapValues(bytes -> {
                    metrics.outcomeIn();
                    return JoinInput.of(outcomeReader.deserialize(config.outcomesTopic, bytes), bytes);
                }, Named.as("decode-outcome"));

        KStream<String, JoinOutput> joins = calls.merge(outcomes, Named.as("calls-and-outcomes"))
                .process(() -> new CallOutcomeJoiner(config, inputPartitions, lag), Named.as("join-calls-with-outcomes"),
                        CallOutcomeJoiner.PENDING_CALLS, CallOutcomeJoiner.EARLY_OUTCOMES, CallOutcomeJoiner.DEADLINES, CallOutcomeJoiner.PROGRESS,
                        DeltaBatcher.WAITING);

        joins.filter((id, out) -> out.joined() != null, Named.as("has-joined-call"))
                .mapValues(JoinOutput::joined, Named.as("joined-call"))
                .peek((id, joined) -> metrics.joined(), Named.as("count-joined"))
                .to(config.joinedTopic, Produced.with(Serdes.String(), serdes.joined()).withName("joined-calls"));
        joins.filter((id, out) -> out.deadLetter() != null, Named.as("has-dead-letter"))
                .map((id, out) -> KeyValue.pair(out.deadLetter().key(), out.deadLetter().value()), Named.as("dead-letter"))
                .to(config.dlqTopic, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dead-letters-out"));

        KStream<String, GroupOutput> groupOutputs = inEventTimeOrder(joins, Stage.GROUP)
                .process(() -> new GroupAnomalyDetector(config.windowSize, config.anomalyRule(),
                                new EpisodePolicy(config.threshold, config.severitySteps, config.windowSize.toMillis()),
                                config.metrics.isEmpty() ? EnumSet.allOf(Metric.class) : config.metrics),
                        Named.as("group-anomaly-detector"),
                        GroupAnomalyDetector.WINDOW_SUMS, GroupAnomalyDetector.BASELINES, GroupAnomalyDetector.CONTRIBUTORS, GroupAnomalyDetector.EPISODES);
        groupOutputs.filter((k, out) -> out.stats() != null, Named.as("is-window-stats"))
                .mapValues(GroupOutput::stats, Named.as("window-stats"))
                .to(config.statsTopic, Produced.with(Serdes.String(), serdes.stats()).withName("window-stats-out"));
        groupOutputs.filter((k, out) -> out.alert() != null, Named.as("is-alert"))
                .mapValues(GroupOutput::alert, Named.as("alert"))
                .peek((id, alert) -> metrics.alert(alert), Named.as("count-alert"))
                .to(config.alertsTopic, Produced.with(Serdes.String(), serdes.alerts()).withName("alerts-out"));

        inEventTimeOrder(joins, Stage.SESSION)
                .process(() -> new SessionTotals(config.sessionGap.toMillis()), Named.as("sum-sessions"), SessionTotals.STORE)
                .to(config.sessionsTopic, Produced.with(Serdes.String(), serdes.sessions()).withName("sessions-out"));
        return builder.build();
    }

    /**
     * The join tasks' delta batches for {@code stage} with their progress markers (to every partition),
     * repartitioned by group or session, and put back into event-time order across all upstream tasks
     * ({@link EventTimeReorderBuffer}).
     */
    private static KStream<String, OrderedDelta> inEventTimeOrder(KStream<String, JoinOutput> joins, Stage stage) {
        return joins.filter((key, out) -> out.marker() != null || out.stage() == stage, Named.as(stage.topic() + "-or-progress"))
                .mapValues(out -> out.marker() != null ? Sequenced.of(out.marker()) : Sequenced.of(out.batch()), Named.as(stage.topic() + "-sequenced"))
                .repartition(Repartitioned.<String, Sequenced>with(Serdes.String(), Sequenced.serde()).withName(stage.topic())
                        .withStreamPartitioner(new MarkersToEveryPartition<>()))
                .process(() -> new EventTimeReorderBuffer(bufferStore(stage), progressStore(stage)), Named.as(stage.topic() + "-in-event-time-order"),
                        bufferStore(stage), progressStore(stage));
    }

    static String bufferStore(Stage stage) {
        return stage.topic() + "-reorder-buffer";
    }

    static String progressStore(Stage stage) {
        return stage.topic() + "-upstream-progress";
    }

    private static <K, V> StoreBuilder<KeyValueStore<K, V>> keyValueStore(String name, Serde<K> keys, Serde<V> values) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), keys, values).withCachingEnabled();
    }
}
