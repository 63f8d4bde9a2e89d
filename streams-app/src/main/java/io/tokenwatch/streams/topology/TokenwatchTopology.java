package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.SessionSummary;
import io.tokenwatch.serde.AvroBinary;
import io.tokenwatch.streams.anomaly.EpisodePolicy;
import io.tokenwatch.streams.anomaly.Metric;
import io.tokenwatch.streams.config.TokenwatchConfig;
import io.tokenwatch.streams.topology.CallDelta.Attribute;
import io.tokenwatch.streams.ordering.EventTimeReorderBuffer;
import io.tokenwatch.streams.ordering.InputLag;
import io.tokenwatch.streams.ordering.MarkersToEveryPartition;
import io.tokenwatch.streams.ordering.Sequenced;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one place the Tokenwatch topology is built; it reads like the design:
 * <pre>
 *   calls ─┐
 *          ├─ join-calls-with-outcomes ─┬─ joined calls ───────────────────────────────────────────► llm.calls.joined.v1
 *   outcomes┘  (dedupe, lateness, DLQ,  ├─ outcomes that never met their call ─────────────────────► llm.dlq.v1
 *               progress markers)        ├─ deltas by dimension=group + markers ─ in event-time order ─ group-anomaly-detector ─┬─► llm.task-stats.v1
 *                                        │                                                                                   └─► llm.alerts.v1
 *                                        └─ deltas by session + markers ─ in event-time order ─ session-totals ─────────────────► llm.sessions.v1
 * </pre>
 * Records the pipeline refuses go to the dead-letter topic through {@code DeadLetterHandler}. Every
 * join task's progress markers reach every partition of both repartition topics, so each task
 * downstream judges its groups in the order in-order processing would, whatever order the input
 * partitions were read in ({@link EventTimeReorderBuffer}).
 */
public final class TokenwatchTopology {

    static final String GROUP_DELTAS = "group-deltas";
    static final String SESSION_DELTAS = "session-deltas";

    private TokenwatchTopology() {
    }

    public static Topology build(TokenwatchConfig config, EventSerdes serdes, PipelineMetrics metrics, int inputPartitions, InputLag lag) {
        StreamsBuilder builder = new StreamsBuilder();
        // Stores are cached: hot groups are updated many times per commit, and only the last value
        // needs to reach the changelog (and, for sessions, the output topic).
        builder.addStateStore(keyValueStore(CallOutcomeJoiner.PENDING_CALLS, Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(keyValueStore(CallOutcomeJoiner.EARLY_OUTCOMES, Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(keyValueStore(CallOutcomeJoiner.DEADLINES, Serdes.Bytes(), Serdes.ByteArray()));
        builder.addStateStore(keyValueStore(CallOutcomeJoiner.PROGRESS, Serdes.String(), Serdes.Long()));
        for (String stage : List.of(GROUP_DELTAS, SESSION_DELTAS)) {
            builder.addStateStore(keyValueStore(bufferStore(stage), Serdes.Bytes(), Serdes.ByteArray()));
            builder.addStateStore(keyValueStore(progressStore(stage), Serdes.String(), Serdes.Long()));
        }
        builder.addStateStore(keyValueStore(GroupAnomalyDetector.WINDOW_SUMS, Serdes.Bytes(), Serdes.ByteArray()));
        builder.addStateStore(keyValueStore(GroupAnomalyDetector.BASELINES, Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(keyValueStore(GroupAnomalyDetector.CONTRIBUTORS, Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(keyValueStore(GroupAnomalyDetector.EPISODES, Serdes.String(), Serdes.ByteArray()));

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
                        CallOutcomeJoiner.PENDING_CALLS, CallOutcomeJoiner.EARLY_OUTCOMES, CallOutcomeJoiner.DEADLINES, CallOutcomeJoiner.PROGRESS);

        joins.filter((id, out) -> out.joined() != null, Named.as("has-joined-call"))
                .mapValues(JoinOutput::joined, Named.as("joined-call"))
                .peek((id, joined) -> metrics.joined(), Named.as("count-joined"))
                .to(config.joinedTopic, Produced.with(Serdes.String(), serdes.joined()).withName("joined-calls"));
        joins.filter((id, out) -> out.deadLetter() != null, Named.as("has-dead-letter"))
                .map((id, out) -> KeyValue.pair(out.deadLetter().key(), out.deadLetter().value()), Named.as("dead-letter"))
                .to(config.dlqTopic, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dead-letters-out"));

        List<Attribute> dimensions = config.dimensions.stream().map(Attribute::ofDimension).toList();
        KStream<String, Sequenced> groupDeltas = inEventTimeOrder(joins, GROUP_DELTAS, delta -> dimensions.stream()
                .filter(d -> delta.attribute(d) != null).map(d -> d.dimension() + "|" + delta.attribute(d)).toList());
        KStream<String, GroupOutput> groupOutputs = groupDeltas
                .process(() -> new GroupAnomalyDetector(config.windowSize, config.anomalyRule(),
                                new EpisodePolicy(config.threshold, config.severitySteps, config.windowSize.toMillis()),
                                config.metrics.isEmpty() ? java.util.EnumSet.allOf(Metric.class) : config.metrics),
                        Named.as("group-anomaly-detector"),
                        GroupAnomalyDetector.WINDOW_SUMS, GroupAnomalyDetector.BASELINES, GroupAnomalyDetector.CONTRIBUTORS, GroupAnomalyDetector.EPISODES);
        groupOutputs.filter((k, out) -> out.stats() != null, Named.as("is-window-stats"))
                .mapValues(GroupOutput::stats, Named.as("window-stats"))
                .to(config.statsTopic, Produced.with(Serdes.String(), serdes.stats()).withName("window-stats-out"));
        groupOutputs.filter((k, out) -> out.alert() != null, Named.as("is-alert"))
                .mapValues(GroupOutput::alert, Named.as("alert"))
                .peek((id, alert) -> metrics.alert(alert), Named.as("count-alert"))
                .to(config.alertsTopic, Produced.with(Serdes.String(), serdes.alerts()).withName("alerts-out"));

        // Deltas reach the sessions in event-time order (outcomes up to a day after their call); only a task
        // that was idle and resumes with old events sends deltas out of order. The grace covers what the
        // group windows keep (8 days), so none of those is dropped either.
        java.time.Duration sessionGrace = java.time.Duration.ofDays(8);
        AvroBinary<SessionSummary> sessionCodec = new AvroBinary<>(SessionSummary.class);
        inEventTimeOrder(joins, SESSION_DELTAS, delta -> delta.attribute(Attribute.SESSION) == null ? List.of() : List.of(delta.attribute(Attribute.SESSION)))
                .filter((session, item) -> !item.isMarker(), Named.as("session-delta"))
                .mapValues(Sequenced::delta, Named.as("session-delta-value"))
                // Released in order by key, so this repartition (Streams needs one after a processor) keeps each partition's order.
                .groupByKey(Grouped.with("session-deltas-ordered", Serdes.String(), CallDelta.serde()))
                .windowedBy(SessionWindows.ofInactivityGapAndGrace(config.sessionGap, sessionGrace))
                .aggregate(() -> null, (session, delta, totals) -> OutputRecords.addToSession(totals, delta),
                        (session, a, b) -> OutputRecords.mergeSessions(a, b), Named.as("session-totals"),
                        Materialized.<String, SessionSummary, org.apache.kafka.streams.state.SessionStore<Bytes, byte[]>>as("session-totals")
                                .withKeySerde(Serdes.String()).withValueSerde(sessionCodec.serde()))
                .toStream(Named.as("session-updates"))
                .map((window, totals) -> KeyValue.pair(window.key() + "|" + Instant.ofEpochMilli(window.window().start()),
                        totals == null ? null : SessionSummary.newBuilder(totals)
                                .setStart(Instant.ofEpochMilli(window.window().start())).setEnd(Instant.ofEpochMilli(window.window().end())).build()),
                        Named.as("session-summary"))
                .to(config.sessionsTopic, Produced.with(Serdes.String(), serdes.sessions()).withName("sessions-out"));
        return builder.build();
    }

    /**
     * Keys each delta by {@code keysOf} (one record per key), sends the join tasks' progress markers to
     * every partition, repartitions as {@code stage}, and puts the deltas back into event-time order
     * across all upstream tasks ({@link EventTimeReorderBuffer}).
     */
    private static KStream<String, Sequenced> inEventTimeOrder(KStream<String, JoinOutput> joins, String stage,
                                                               Function<CallDelta, List<String>> keysOf) {
        return joins.filter((id, out) -> out.delta() != null || out.marker() != null, Named.as(stage + "-or-progress"))
                .flatMap((id, out) -> out.marker() != null ? List.of(KeyValue.pair(id, Sequenced.of(out.marker())))
                        : keysOf.apply(out.delta()).stream().map(key -> KeyValue.pair(key, Sequenced.of(out.delta())))
                        .collect(Collectors.toCollection(ArrayList::new)), Named.as(stage + "-keyed"))
                .repartition(Repartitioned.<String, Sequenced>with(Serdes.String(), Sequenced.serde()).withName(stage)
                        .withStreamPartitioner(new MarkersToEveryPartition<>()))
                .process(() -> new EventTimeReorderBuffer(bufferStore(stage), progressStore(stage)), Named.as(stage + "-in-event-time-order"),
                        bufferStore(stage), progressStore(stage));
    }

    static String bufferStore(String stage) {
        return stage + "-reorder-buffer";
    }

    static String progressStore(String stage) {
        return stage + "-upstream-progress";
    }

    private static <K, V> StoreBuilder<KeyValueStore<K, V>> keyValueStore(String name, Serde<K> keys, Serde<V> values) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), keys, values).withCachingEnabled();
    }
}
